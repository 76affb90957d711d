// The summary's "Print this page" button (GET /record/summary): the page's Content Security
// Policy allows no inline script. Without script, the button stays hidden and the page tells
// the patient to use the browser's Print command.
(function () {
  "use strict";
  var button = document.getElementById("print-summary");
  if (!button || typeof window.print !== "function") {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();
