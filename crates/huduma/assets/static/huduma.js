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
