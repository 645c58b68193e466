// Lesson player: resume where the learner stopped, report progress, move the watermark.
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  document.querySelectorAll("[data-player]").forEach(function (box) {
    var media = box.querySelector("video, audio");
    if (!media) return;
    var url = box.getAttribute("data-progress-url");
    var canTrack = box.getAttribute("data-can-track") === "1";
    var resume = parseInt(box.getAttribute("data-resume") || "0", 10);
    var lastSent = -1;

    media.addEventListener("loadedmetadata", function () {
      if (resume > 0 && resume < (media.duration || Infinity) - 2) media.currentTime = resume;
    });

    function send(force) {
      if (!canTrack || !url) return;
      var position = Math.floor(media.currentTime || 0);
      if (!force && Math.abs(position - lastSent) < 10) return;
      lastSent = position;
      var body = JSON.stringify({ position_seconds: position });
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: body
      }).catch(function () { /* offline: the next heartbeat retries */ });
    }

    media.addEventListener("timeupdate", function () { send(false); });
    media.addEventListener("pause", function () { send(true); });
    media.addEventListener("ended", function () { send(true); });
    window.addEventListener("pagehide", function () { send(true); });

    // The watermark drifts so it cannot simply be cropped out of a recording.
    var mark = box.querySelector("[data-watermark]");
    if (mark) {
      var spots = ["wm-a", "wm-b", "wm-c", "wm-d"];
      var i = 0;
      setInterval(function () {
        mark.classList.remove(spots[i]);
        i = (i + 1) % spots.length;
        mark.classList.add(spots[i]);
      }, 15000);
      mark.classList.add(spots[0]);
    }
  });
})();
