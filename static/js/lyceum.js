// Lyceum's own progressive enhancement. Every page works without it.
(function () {
  "use strict";

  // Language select submits itself when changed (a button shows without JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.submit();
    });
  });

  // Mobile navigation toggle.
  var toggle = document.querySelector("[data-nav-toggle]");
  if (toggle) {
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      if (nav) nav.classList.toggle("is-open", !open);
    });
  }

  // Close the user menu with Escape or a click elsewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.user-menu[open]").forEach(function (d) {
      d.removeAttribute("open");
      var summary = d.querySelector("summary");
      if (summary) summary.focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (d) {
      if (!d.contains(event.target)) d.removeAttribute("open");
    });
  });

  // On narrow screens the settings menu scrolls sideways: bring the current page into view.
  var currentLink = document.querySelector(".settings-nav [aria-current='page']");
  if (currentLink) {
    var settingsNav = currentLink.closest(".settings-nav");
    if (settingsNav.scrollWidth > settingsNav.clientWidth) {
      var linkBox = currentLink.getBoundingClientRect();
      var navBox = settingsNav.getBoundingClientRect();
      settingsNav.scrollLeft += linkBox.left - navBox.left - (navBox.width - linkBox.width) / 2;
    }
  }

  // Click a token to select it for copying.
  document.querySelectorAll("[data-copyable]").forEach(function (el) {
    el.addEventListener("click", function () {
      var range = document.createRange();
      range.selectNodeContents(el);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      if (navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim()).catch(function () {});
    });
  });
})();
