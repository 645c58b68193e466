// Keeps the header bell's unread count fresh (progressive enhancement: the count is
// rendered by the server on every page; this only refreshes it while a tab stays open).
(function () {
  "use strict";

  var bell = document.querySelector("[data-notif-bell]");
  if (!bell || !window.fetch) return;
  var endpoint = bell.getAttribute("data-notif-count-url") || "/notifications/unread-count/";
  var INTERVAL_MS = 60000;

  function show(count) {
    var badge = bell.querySelector("[data-notif-count]");
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        badge.setAttribute("data-notif-count", "");
        bell.appendChild(badge);
      }
      badge.textContent = count > 99 ? "99+" : String(count);
    } else if (badge) {
      badge.remove();
    }
  }

  function refresh() {
    if (document.hidden) return;
    fetch(endpoint, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && typeof data.unread === "number") show(data.unread); })
      .catch(function () {});
  }

  window.setInterval(refresh, INTERVAL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
