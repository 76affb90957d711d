// The password step of enrollment, made easier where scripts run. Without this script the
// page works as it is: the passwords stay hidden and the suggested usernames are text to copy.
// - "Show password": a toggle button (hidden in the page until this script shows it) that
//   switches both password fields between hidden and shown, with aria-pressed and a label
//   in the page's language (data-show, data-hide).
// - Suggested usernames become buttons that fill the username field when tapped.
(function () {
  'use strict';

  function passwordToggle() {
    var toggle = document.getElementById('show-password');
    var fields = ['password', 'confirmation']
      .map(function (id) { return document.getElementById(id); })
      .filter(Boolean);
    if (!toggle || fields.length === 0) {
      return;
    }
    var show = toggle.getAttribute('data-show') || 'Show password';
    var hide = toggle.getAttribute('data-hide') || 'Hide password';
    function set(shown) {
      fields.forEach(function (field) { field.type = shown ? 'text' : 'password'; });
      toggle.setAttribute('aria-pressed', shown ? 'true' : 'false');
      toggle.textContent = shown ? hide : show;
    }
    toggle.addEventListener('click', function () {
      set(toggle.getAttribute('aria-pressed') !== 'true');
    });
    // Hidden again before the form is sent, so that the browser offers to save a password.
    var form = toggle.closest('form');
    if (form) {
      form.addEventListener('submit', function () { set(false); });
    }
    set(false);
    toggle.hidden = false;
  }

  function tappableSuggestions() {
    var box = document.getElementById('username-suggestions');
    var field = document.getElementById('username');
    if (!box || !field) {
      return;
    }
    box.querySelectorAll('[data-username]').forEach(function (item) {
      var name = item.getAttribute('data-username');
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'suggestion-button';
      button.textContent = name;
      button.setAttribute('data-username', name);
      button.addEventListener('click', function () {
        field.value = name;
        field.focus();
      });
      item.replaceWith(button);
    });
    // The commas between the names were for reading; buttons stand apart on their own.
    Array.prototype.slice.call(box.childNodes).forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE && node.textContent.trim() === ',') {
        node.textContent = ' ';
      }
    });
    var tap = box.getAttribute('data-tap');
    if (tap) {
      box.appendChild(document.createTextNode(' ' + tap));
    }
  }

  passwordToggle();
  tappableSuggestions();
}());
