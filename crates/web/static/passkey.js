// Passkeys, the browser's half: adding one on "Account and security", and signing in with
// one on the sign-in page. Our own code, no third party. Without JavaScript or WebAuthn the
// buttons stay hidden and passwords work as before. Words come from the page (data-*
// attributes), so they are in the page's language.
(function () {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    var binary = atob(base64 + '==='.slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function postJson(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || '');
        }
        return data;
      });
    });
  }

  // Asks for a ceremony's options as the pointer or focus reaches the button, so that the
  // click can call WebAuthn at once: some browsers (Safari) want that call to follow the
  // click closely. Options asked for and not used expire on the server after five minutes.
  function prefetched(button, url) {
    var pending = null;
    function warm() {
      if (!pending) {
        pending = postJson(url);
        pending.catch(function () { pending = null; });
      }
    }
    ['pointerdown', 'touchstart', 'focus'].forEach(function (event) {
      button.addEventListener(event, warm, { passive: true });
    });
    return function take() {
      var options = pending || postJson(url);
      pending = null;
      return options;
    };
  }

  function say(region, text) {
    if (region) {
      region.textContent = text;
    }
  }

  // The browser said no (cancelled, timed out, no passkey): its own words are not for
  // patients; ours are.
  function failure(button, error) {
    return error && error.message && error.name === 'Error' ? error.message : button.dataset.failed;
  }

  var add = document.getElementById('add-passkey');
  if (add) {
    var addStatus = document.getElementById('passkey-status');
    add.hidden = false;
    var addOptions = prefetched(add, '/account/passkeys/options');
    add.addEventListener('click', function () {
      add.disabled = true;
      say(addStatus, add.dataset.working);
      addOptions().then(function (started) {
        var options = started.options.publicKey;
        options.challenge = fromBase64url(options.challenge);
        options.user.id = fromBase64url(options.user.id);
        (options.excludeCredentials || []).forEach(function (credential) {
          credential.id = fromBase64url(credential.id);
        });
        return navigator.credentials.create({ publicKey: options }).then(function (credential) {
          return postJson('/account/passkeys', {
            ceremony: started.ceremony,
            credential: {
              id: credential.id,
              rawId: toBase64url(credential.rawId),
              type: credential.type,
              response: {
                attestationObject: toBase64url(credential.response.attestationObject),
                clientDataJSON: toBase64url(credential.response.clientDataJSON)
              },
              extensions: {}
            }
          });
        });
      }).then(function () {
        window.location.assign('/account?done=passkey-added');
      }).catch(function (error) {
        add.disabled = false;
        say(addStatus, failure(add, error));
      });
    });
  }

  var signIn = document.getElementById('passkey-sign-in');
  if (signIn) {
    var signInStatus = document.getElementById('passkey-sign-in-status');
    signIn.hidden = false;
    var signInOptions = prefetched(signIn, '/sign-in/passkey/options');
    signIn.addEventListener('click', function () {
      signIn.disabled = true;
      say(signInStatus, signIn.dataset.working);
      signInOptions().then(function (started) {
        var options = started.options.publicKey;
        options.challenge = fromBase64url(options.challenge);
        (options.allowCredentials || []).forEach(function (credential) {
          credential.id = fromBase64url(credential.id);
        });
        return navigator.credentials.get({ publicKey: options }).then(function (credential) {
          var response = credential.response;
          return postJson('/sign-in/passkey', {
            ceremony: started.ceremony,
            credential: {
              id: credential.id,
              rawId: toBase64url(credential.rawId),
              type: credential.type,
              response: {
                authenticatorData: toBase64url(response.authenticatorData),
                clientDataJSON: toBase64url(response.clientDataJSON),
                signature: toBase64url(response.signature),
                userHandle: response.userHandle ? toBase64url(response.userHandle) : null
              },
              extensions: {}
            }
          });
        });
      }).then(function (done) {
        window.location.assign(done.next || '/home');
      }).catch(function (error) {
        signIn.disabled = false;
        say(signInStatus, failure(signIn, error));
      });
    });
  }
}());
