/* Study groups: quick minute picks in the check-in widget, invite link copy. No inline script (CSP). */
(function () {
  "use strict";

  document.querySelectorAll("[data-quick-minutes]").forEach(function (box) {
    var form = box.closest("form");
    var input = form && form.querySelector("input[name='minutes']");
    if (!input) return;
    box.hidden = false;
    box.querySelectorAll("[data-minutes]").forEach(function (button) {
      button.addEventListener("click", function () {
        input.value = button.getAttribute("data-minutes");
        box.querySelectorAll("[aria-pressed]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
        button.setAttribute("aria-pressed", "true");
        input.focus();
      });
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.value).then(function () {
        button.textContent = button.getAttribute("data-copied-label") || label;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
