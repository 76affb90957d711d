// The staff header's count of conversations nobody has taken, kept up to date without
// reloading: the server sends the counts when a patient writes (server-sent events).
// Without JavaScript the Messages link still works; only the count is missing.
(function () {
  "use strict";
  var count = document.getElementById("message-count");
  if (!count || !window.EventSource) {
    return;
  }
  var source = new EventSource(count.getAttribute("data-events"));
  source.addEventListener("messages", function (event) {
    var counts;
    try {
      counts = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    var waiting = counts.unassigned || 0;
    count.textContent = waiting > 0 ? "(" + waiting + " new)" : "";
    count.setAttribute("data-unassigned", String(waiting));
    count.setAttribute("data-overdue", String(counts.overdue || 0));
  });
  // A stream the server ended (the session ended) is not opened again.
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) {
      source.close();
    }
  });
})();
