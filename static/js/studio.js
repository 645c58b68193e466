// Studio enhancements: Markdown preview, drag-and-drop ordering, fields by kind.
// Every page works without this file: forms post, arrow buttons reorder, a
// "Preview" button renders the Markdown on the server.
(function () {
  "use strict";

  function csrfToken(scope) {
    var input = (scope || document).querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body, token) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch" },
    });
  }

  // --- Markdown preview: a toggle under each textarea[data-markdown] ---------------------
  document.querySelectorAll("form[data-preview-url]").forEach(function (form) {
    var url = form.getAttribute("data-preview-url");
    var areas = form.querySelectorAll("textarea[data-markdown]");
    if (!areas.length) return;
    form.querySelectorAll("[data-nojs-preview]").forEach(function (b) { b.hidden = true; });
    areas.forEach(function (area) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-small markdown-toggle";
      button.textContent = form.dataset.previewLabel || "Preview";
      button.setAttribute("aria-expanded", "false");
      var panel = document.createElement("div");
      panel.className = "markdown-preview prose";
      panel.hidden = true;
      panel.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", panel);
      area.insertAdjacentElement("afterend", button);
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        if (open) {
          panel.hidden = true;
          button.setAttribute("aria-expanded", "false");
          return;
        }
        var body = new FormData();
        body.append("text", area.value);
        post(url, body, csrfToken(form))
          .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
          .then(function (html) {
            // The server returns HTML already sanitised by nh3 (core.markdown).
            panel.innerHTML = html;
            panel.hidden = false;
            button.setAttribute("aria-expanded", "true");
          })
          .catch(function () {
            // Fall back to the server-rendered preview of the whole form.
            form.querySelectorAll("[data-nojs-preview]").forEach(function (b) { b.hidden = false; });
          });
      });
    });
  });

  // --- Drag and drop ordering of lists with data-reorder-url ----------------------------
  function items(list) {
    return Array.prototype.filter.call(list.children, function (li) { return li.hasAttribute("data-id"); });
  }

  function saveOrder(list) {
    var body = new FormData();
    items(list).forEach(function (li) { body.append("order", li.getAttribute("data-id")); });
    post(list.getAttribute("data-reorder-url"), body, csrfToken())
      .then(function (response) { if (!response.ok) window.location.reload(); })
      .catch(function () { window.location.reload(); });
  }

  var dragged = null;
  document.querySelectorAll("ol[data-reorder-url]").forEach(function (list) {
    var rows = items(list);
    if (rows.length < 2) return;
    list.classList.add("is-sortable");
    rows.forEach(function (li) {
      li.draggable = true;
      li.addEventListener("dragstart", function (event) {
        if (dragged) return; // a lesson inside a module: only the innermost item moves
        dragged = li;
        li.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", li.getAttribute("data-id"));
        event.stopPropagation();
      });
      li.addEventListener("dragend", function () {
        li.classList.remove("is-dragging");
        dragged = null;
      });
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged || dragged.parentElement !== list) return;
      event.preventDefault();
      event.stopPropagation();
      var after = null;
      items(list).forEach(function (li) {
        if (li === dragged) return;
        var box = li.getBoundingClientRect();
        if (event.clientY < box.top + box.height / 2 && after === null) after = li;
      });
      if (after) list.insertBefore(dragged, after);
      else list.appendChild(dragged);
    });
    list.addEventListener("drop", function (event) {
      if (!dragged || dragged.parentElement !== list) return;
      event.preventDefault();
      event.stopPropagation();
      saveOrder(list);
    });
  });
  if (document.querySelector("ol.is-sortable")) {
    document.querySelectorAll("[data-dnd-help]").forEach(function (el) { el.hidden = false; });
  }

  // --- Show the fields that fit the chosen lesson or question kind ----------------------
  function bindKind(form, select) {
    function update() {
      form.querySelectorAll("[data-show-for]").forEach(function (el) {
        var kinds = el.getAttribute("data-show-for").split(" ");
        el.hidden = kinds.indexOf(select.value) === -1;
      });
    }
    select.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("form[data-lesson-form]").forEach(function (form) {
    var select = form.querySelector("select[data-kind]");
    if (select) bindKind(form, select);
  });
  document.querySelectorAll("form[data-question-form]").forEach(function (form) {
    var select = form.querySelector("select[data-question-kind]");
    if (select) bindKind(form, select);
  });
})();
