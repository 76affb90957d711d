// Porchlight's bot check (docs/BOT-CHECK.md). The form carries a challenge: the SHA-256 of a
// salt followed by a secret number no larger than data-max. This script finds the number by
// trying each one, puts it in the hidden field bot_solution, and says so through the live
// region. Without this script (or without crypto.subtle) the server accepts the form after
// a short wait instead. The submit button is never disabled: pressing it before the number
// is found sends the form as soon as it is.
(function () {
  'use strict';

  var box = document.querySelector('[data-bot-check]');
  if (!box || !window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  var form = box.closest('form');
  var answer = box.querySelector('input[name="bot_solution"]');
  var status = box.querySelector('[data-bot-status]');
  var salt = box.getAttribute('data-salt');
  var target = hexToBytes(box.getAttribute('data-challenge'));
  var max = Number(box.getAttribute('data-max'));
  if (!form || !answer || !status || !salt || !target || !(max >= 0)) {
    return;
  }
  var encoder = new TextEncoder();
  // The page gives the words in its language; English if it does not.
  var CHECKING = box.getAttribute('data-checking') || 'Checking that you are a person\u2026';
  var DONE = box.getAttribute('data-done') || 'done';
  var SOON = box.getAttribute('data-soon') || 'the form will be sent in a moment.';
  var state = 'working';
  var pendingSubmitter = null;
  var submitPending = false;

  function hexToBytes(hex) {
    if (!hex || hex.length % 2 !== 0) {
      return null;
    }
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    }
    return bytes;
  }

  function same(buffer) {
    var bytes = new Uint8Array(buffer);
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] !== target[i]) {
        return false;
      }
    }
    return true;
  }

  // Lets the page handle typing and clicks between batches of hashes.
  function breathe() {
    return new Promise(function (resolve) {
      setTimeout(resolve, 0);
    });
  }

  async function findNumber() {
    var BATCH = 500;
    for (var start = 0; start <= max; start += BATCH) {
      var end = Math.min(start + BATCH - 1, max);
      var tries = [];
      for (var n = start; n <= end; n++) {
        tries.push(crypto.subtle.digest('SHA-256', encoder.encode(salt + n)));
      }
      var digests = await Promise.all(tries);
      for (var i = 0; i < digests.length; i++) {
        if (same(digests[i])) {
          return start + i;
        }
      }
      await breathe();
    }
    return null;
  }

  function send() {
    if (form.requestSubmit) {
      form.requestSubmit(pendingSubmitter || undefined);
    } else {
      form.submit();
    }
  }

  function finish(number) {
    if (number === null) {
      // Not found (it always should be): the server's waiting rule takes over.
      state = 'failed';
      status.textContent = '';
    } else {
      answer.value = String(number);
      state = 'done';
      status.textContent = CHECKING + ' ' + DONE;
    }
    if (submitPending) {
      submitPending = false;
      send();
    }
  }

  form.addEventListener('submit', function (event) {
    if (state !== 'working') {
      return;
    }
    // Pressed before the check finished: send the form the moment it does.
    event.preventDefault();
    submitPending = true;
    pendingSubmitter = event.submitter || null;
    status.textContent = CHECKING + ' ' + SOON;
  });

  status.textContent = CHECKING;
  findNumber().then(finish, function () {
    finish(null);
  });
})();
