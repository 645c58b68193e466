// Survey builder: the options field only shows for single and multiple choice questions.
// Without JavaScript it is always shown (and ignored by the server for other kinds).
(function () {
  "use strict";
  document.querySelectorAll("[data-question-form]").forEach(function (form) {
    var kind = form.querySelector("select[name=kind]");
    var options = form.querySelector("textarea[name=options]");
    if (!kind || !options) return;
    var field = options.closest(".field");
    function sync() {
      var choice = kind.value === "single" || kind.value === "multiple";
      if (field) field.classList.toggle("is-hidden", !choice);
    }
    kind.addEventListener("change", sync);
    sync();
  });
})();
