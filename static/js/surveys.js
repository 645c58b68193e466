// Survey builder. Everything works without JavaScript (↑/↓ forms, options always shown);
// this only adds: the options field shows for choice questions only, and questions can be
// dragged into a new order (posted as one form to the reorder URL).
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

  var list = document.querySelector("[data-reorder-list]");
  var form = document.querySelector("[data-reorder-form]");
  if (!list || !form) return;
  var hint = document.querySelector("[data-reorder-hint]");
  if (hint) hint.hidden = false;
  var dragging = null;

  function order() {
    return Array.prototype.map.call(list.querySelectorAll("[data-question-id]"), function (li) {
      return li.getAttribute("data-question-id");
    }).join(",");
  }

  var before = order();
  list.querySelectorAll("[data-question-id]").forEach(function (li) {
    li.setAttribute("draggable", "true");
    li.addEventListener("dragstart", function (event) {
      dragging = li;
      li.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", li.getAttribute("data-question-id"));
    });
    li.addEventListener("dragend", function () {
      li.classList.remove("is-dragging");
      dragging = null;
      var after = order();
      if (after !== before) {
        form.querySelector("input[name=order]").value = after;
        form.submit();
      }
    });
    li.addEventListener("dragover", function (event) {
      if (!dragging || dragging === li) return;
      event.preventDefault();
      var box = li.getBoundingClientRect();
      var below = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragging, below ? li.nextSibling : li);
    });
  });
})();
