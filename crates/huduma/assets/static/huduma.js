// Progressive enhancement only: every page works without this file.
// Conditional questions (data-reveal-when="field=value") are shown only while the
// earlier answer on the same page matches; without JavaScript they are always shown
// with a hint saying when to answer, and the server ignores answers not asked.
(function () {
  "use strict";
  var conditionals = document.querySelectorAll("[data-reveal-when]");
  if (!conditionals.length) return;
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
  document.addEventListener("change", update);
  update();
})();

// Pages that wait for something (an M-Pesa payment, the sandbox phone) have a "Check
// again" form, data-auto-check="seconds". Without JavaScript its button reloads the page.
// With it, the person may also tick "check again by itself": only then is the form sent
// every few seconds (WCAG 2.2.1: the person controls the timing; the tick travels in the
// address as auto=1, so it lasts until they untick it), and never while they are typing
// on the page, so a PIN half typed on the sandbox phone is not lost.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-auto-check]");
  var untyped = { checkbox: true, radio: true, submit: true, button: true, hidden: true, reset: true };
  function typing() {
    var active = document.activeElement;
    if (active && (active.tagName === "TEXTAREA" || active.tagName === "SELECT" || (active.tagName === "INPUT" && !untyped[active.type]))) return true;
    var secrets = document.querySelectorAll("input[type=password]");
    for (var i = 0; i < secrets.length; i++) {
      if (secrets[i].value !== "") return true;
    }
    return false;
  }
  function watch(form) {
    var choice = form.querySelector("[data-auto-check-choice]");
    var box = choice && choice.querySelector("input[type=checkbox]");
    if (!box) return;
    var seconds = parseInt(form.getAttribute("data-auto-check"), 10) || 10;
    var timer = null;
    function schedule() {
      clearTimeout(timer);
      if (!box.checked) return;
      timer = setTimeout(function () {
        if (!box.checked) return;
        if (typing()) {
          // Counted on the form, so a test can tell a held-back check from one not yet due.
          form.setAttribute("data-auto-check-held", String((parseInt(form.getAttribute("data-auto-check-held"), 10) || 0) + 1));
          schedule();
          return;
        }
        form.submit();
      }, seconds * 1000);
    }
    choice.hidden = false;
    box.addEventListener("change", schedule);
    schedule();
  }
  for (var i = 0; i < forms.length; i++) watch(forms[i]);
})();
