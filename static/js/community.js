/* Community pages: upvotes without a reload, delete confirmations, @mention suggestions.
   Everything here enhances forms that already work without JavaScript. */
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Upvotes: post the form, update the score and pressed state from the JSON answer.
  document.querySelectorAll("form[data-vote]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf(form) },
      })
        .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
        .then(function (result) {
          var ok = result[0], data = result[1];
          if (!ok) { window.alert(data.detail || "Error"); return; }
          form.querySelector("[data-score]").textContent = data.score;
          button.classList.toggle("is-voted", data.voted);
          button.setAttribute("aria-pressed", data.voted ? "true" : "false");
        })
        .catch(function () { form.submit(); })
        .finally(function () { button.disabled = false; });
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // @mentions: typing "@Ad" offers people who can read the space; Enter/click inserts "@AdaLovelace ".
  var holder = document.querySelector("[data-mention-url]");
  if (!holder) { return; }
  var url = holder.getAttribute("data-mention-url");
  var box = document.createElement("ul");
  box.className = "mention-box";
  box.setAttribute("role", "listbox");
  box.hidden = true;
  document.body.appendChild(box);
  var active = null, timer = null, items = [], selected = 0;

  function currentWord(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = /(^|[^\w@.])@([^\s@]{1,40})$/u.exec(before);
    return match ? match[2] : null;
  }

  function close() { box.hidden = true; items = []; }

  function insert(textarea, handle) {
    var pos = textarea.selectionStart;
    var before = textarea.value.slice(0, pos).replace(/@([^\s@]{1,40})$/u, "@" + handle + " ");
    textarea.value = before + textarea.value.slice(pos);
    textarea.selectionStart = textarea.selectionEnd = before.length;
    textarea.focus();
    close();
  }

  function render(textarea) {
    box.textContent = "";
    items.forEach(function (person, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.textContent = person.name + " · @" + person.handle;
      if (i === selected) { li.className = "is-selected"; li.setAttribute("aria-selected", "true"); }
      li.addEventListener("mousedown", function (event) { event.preventDefault(); insert(textarea, person.handle); });
      box.appendChild(li);
    });
    var rect = textarea.getBoundingClientRect();
    box.style.left = (window.scrollX + rect.left) + "px";
    box.style.top = (window.scrollY + rect.bottom) + "px";
    box.hidden = items.length === 0;
  }

  function lookup(textarea) {
    var word = currentWord(textarea);
    if (!word) { close(); return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(word), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { items = data.results || []; selected = 0; active = textarea; render(textarea); })
        .catch(close);
    }, 200);
  }

  document.querySelectorAll("textarea[data-mention-input]").forEach(function (textarea) {
    textarea.addEventListener("input", function () { lookup(textarea); });
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
    textarea.addEventListener("keydown", function (event) {
      if (box.hidden || active !== textarea || !items.length) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        selected = (selected + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        render(textarea);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        insert(textarea, items[selected].handle);
      } else if (event.key === "Escape") {
        close();
      }
    });
  });
})();

/* Markdown preview: a "Preview" button beside the body of forms that carry data-preview-url. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-preview-url]").forEach(function (form) {
    var textarea = form.querySelector("textarea[name=body]");
    if (!textarea) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small btn-ghost preview-toggle";
    button.textContent = form.getAttribute("data-preview-label");
    var panel = document.createElement("div");
    panel.className = "prose post-body preview-panel";
    panel.hidden = true;
    textarea.insertAdjacentElement("afterend", panel);
    panel.insertAdjacentElement("afterend", button);
    button.addEventListener("click", function () {
      if (!panel.hidden) {
        panel.hidden = true; textarea.hidden = false;
        button.textContent = form.getAttribute("data-preview-label");
        return;
      }
      var data = new FormData();
      data.append("body", textarea.value);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      fetch(form.getAttribute("data-preview-url"), {
        method: "POST", credentials: "same-origin", body: data,
        headers: { "X-CSRFToken": token ? token.value : "" },
      })
        .then(function (response) { return response.json(); })
        .then(function (payload) {
          panel.innerHTML = payload.html;  // sanitised by the server (nh3)
          panel.hidden = false; textarea.hidden = true;
          button.textContent = form.getAttribute("data-edit-label");
        });
    });
  });
})();
