// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Conditional questions (data-reveal-when="field=value") are shown only while the
  // earlier answer on the same page matches; without JavaScript they are always shown
  // with a hint saying when to answer, and the server ignores answers not asked.
  var conditionals = document.querySelectorAll("[data-reveal-when]");
  function answered(name, value) {
    var inputs = document.getElementsByName(name);
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked && input.value === value : input.value === value) return true;
    }
    return false;
  }
  function update() {
    for (var i = 0; i < conditionals.length; i++) {
      var parts = conditionals[i].getAttribute("data-reveal-when").split("=");
      conditionals[i].hidden = !answered(parts[0], parts.slice(1).join("="));
    }
  }
  if (conditionals.length) {
    document.addEventListener("change", update);
    update();
  }

  // A region that waits on something outside (a payment prompt) carries
  // data-poll="seconds" and an id. It is fetched again at that pace and replaced only
  // when its text changed, so a screen reader hears the change (the region holds a
  // live status) instead of a whole page reloading under it; polling stops once the
  // new page no longer waits. Without JavaScript the page offers a "check again" link.
  var polled = document.querySelector("[data-poll][id]");
  if (!polled || !window.fetch || !window.DOMParser) return;
  var seconds = Math.max(2, parseInt(polled.getAttribute("data-poll"), 10) || 5);
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { window.setTimeout(poll, seconds * 1000); return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(polled.id);
        if (!fresh) return;
        if (fresh.textContent.replace(/\s+/g, " ") !== polled.textContent.replace(/\s+/g, " ")) {
          var active = document.activeElement;
          var typing = active && polled.contains(active) && (active.tagName === "INPUT" || active.tagName === "TEXTAREA");
          if (!typing) {
            polled.innerHTML = fresh.innerHTML;
          }
        }
        if (fresh.hasAttribute("data-poll")) window.setTimeout(poll, seconds * 1000);
      })
      .catch(function () { window.setTimeout(poll, seconds * 1000); });
  }
  window.setTimeout(poll, seconds * 1000);
})();
