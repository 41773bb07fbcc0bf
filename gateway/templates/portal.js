// Gatehouse portal: small enhancements. Every page works without them.
(function () {
  'use strict';
  var doc = document;

  function all(sel, root) {
    return Array.prototype.slice.call((root || doc).querySelectorAll(sel));
  }
  function fill(tpl, name, value) {
    return tpl.split('{' + name + '}').join(value);
  }
  function clock(s) {
    var m = Math.floor(s / 60), r = s % 60;
    return m + ':' + (r < 10 ? '0' : '') + r;
  }
  function submit(form) {
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }
  // countdown calls tick with the whole seconds left, now and each time
  // that number changes, down to 0. It follows the wall clock, so a phone
  // that slept does not stretch the wait.
  function countdown(seconds, tick) {
    var end = Date.now() + seconds * 1000;
    (function step() {
      var ms = end - Date.now();
      var left = Math.max(0, Math.ceil(ms / 1000));
      tick(left);
      if (left > 0) {
        setTimeout(step, (ms % 1000 || 1000) + 15);
      }
    })();
  }

  // Back to exactly the page first asked for: a #fragment never reaches
  // the server, but the browser keeps it through the redirect to this page.
  if (location.hash && location.hash.length < 512) {
    all('input[name=rd]').forEach(function (rd) {
      if (rd.value && rd.value.indexOf('#') < 0) {
        rd.value += location.hash;
      }
    });
  }

  // Forms are sent once: a second click while the first is on its way
  // would only show an error.
  all('form[data-once]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (form.dataset.busy) {
        e.preventDefault();
        return;
      }
      form.dataset.busy = '1';
      setTimeout(function () {
        all('button[type=submit]', form).forEach(function (b) {
          b.setAttribute('aria-disabled', 'true');
          b.classList.add('busy');
        });
      }, 0);
    });
  });
  // A portal page brought back by Back from the browser's memory would
  // show a state that is gone (a code form after signing in): ask the
  // server again, which sends a signed-in person on.
  window.addEventListener('pageshow', function (e) {
    if (e.persisted) {
      location.reload();
      return;
    }
    all('form[data-busy]').forEach(function (form) {
      delete form.dataset.busy;
      all('button.busy', form).forEach(function (b) {
        b.removeAttribute('aria-disabled');
        b.classList.remove('busy');
      });
    });
  });

  // Code fields: digits only, and a whole code pasted or filled in by the
  // phone (SMS autofill, WebOTP) is sent at once.
  function digits(s) {
    // Full-width digits (some keyboards) count as digits.
    return s.replace(/[\uff10-\uff19]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/\D+/g, '');
  }
  all('input[data-code-length]').forEach(function (input) {
    // 0: the SMS provider picks the length (4 to 10 digits); no auto-submit.
    var n = parseInt(input.dataset.codeLength, 10) || 0;
    var max = n || 10;
    var form = input.form;
    function done() {
      if (n && input.value.length === n && form && !form.dataset.busy) {
        submit(form);
      }
    }
    input.addEventListener('paste', function (e) {
      var text = (e.clipboardData || window.clipboardData).getData('text') || '';
      // The whole SMS may be pasted: pick the run of digits that is a code.
      var runs = text.match(/\d(?:[ \-\u00a0]?\d)*/g) || [];
      var code = '';
      for (var i = 0; i < runs.length; i++) {
        var d = digits(runs[i]);
        if (n ? d.length === n : d.length >= 4 && d.length <= 10) {
          code = d;
          break;
        }
      }
      if (!code) {
        code = digits(text).slice(0, max);
      }
      e.preventDefault();
      input.value = code;
      done();
    });
    input.addEventListener('input', function (e) {
      var before = input.value;
      var clean = digits(before).slice(0, max);
      if (clean !== before) {
        input.value = clean;
      }
      // Typed digit by digit, the person presses Verify; filled in at once
      // (autofill), it goes by itself.
      if (!e.inputType || e.inputType === 'insertReplacementText' || e.inputType === 'insertFromPaste') {
        done();
      }
    });
  });

  // WebOTP: browsers that support it offer the code of the SMS as it
  // arrives (the message must end with "@host #code", otp.webotp).
  var otpInput = doc.querySelector('input[data-webotp]');
  if (otpInput && 'OTPCredential' in window && navigator.credentials) {
    var ac = new AbortController();
    if (otpInput.form) {
      otpInput.form.addEventListener('submit', function () { ac.abort(); });
    }
    navigator.credentials.get({ otp: { transport: ['sms'] }, signal: ac.signal }).then(function (otp) {
      if (otp && otp.code) {
        otpInput.value = digits(otp.code);
        if (otpInput.form && !otpInput.form.dataset.busy) {
          submit(otpInput.form);
        }
      }
    }).catch(function () {});
  }

  // The resend button waits out the cooldown, counting down (without the
  // script it stays pressable, with a note of the wait), and says when
  // it is ready in the page's live region.
  var live = doc.getElementById('otp-live');
  all('[data-countdown-note]').forEach(function (note) { note.hidden = true; });
  all('[data-countdown]').forEach(function (btn) {
    var wait = btn.dataset.wait, ready = btn.dataset.ready;
    btn.removeAttribute('aria-describedby');
    countdown(parseInt(btn.dataset.countdown, 10) || 0, function (left) {
      if (left > 0) {
        btn.disabled = true;
        btn.textContent = fill(wait, 'time', clock(left));
      } else {
        btn.disabled = false;
        btn.textContent = ready;
        if (live && btn.dataset.live) {
          live.textContent = btn.dataset.live;
        }
      }
    });
  });

  // The code's lifetime: say so when it has run out.
  all('[data-expires-in]').forEach(function (hint) {
    countdown(parseInt(hint.dataset.expiresIn, 10) || 0, function (left) {
      if (left === 0) {
        hint.textContent = hint.dataset.expired;
        hint.classList.add('expired');
      }
    });
  });

  // Show or hide a password.
  all('button[data-reveal]').forEach(function (btn) {
    var input = doc.getElementById(btn.dataset.reveal);
    if (!input) {
      return;
    }
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      btn.textContent = show ? btn.dataset.hide : btn.dataset.show;
      btn.setAttribute('aria-label', show ? btn.dataset.hideLabel : btn.dataset.showLabel);
      // The focus stays on the button: pressing it again hides the
      // password, and Enter never sends the form half filled in.
    });
    // Never leave a password shown when the form is sent (browsers would
    // not offer to save it).
    if (input.form) {
      input.form.addEventListener('submit', function () { input.type = 'password'; });
    }
  });

  // Times come written in UTC; show them in the reader's own time zone
  // and language (the UTC text stays as the tooltip).
  all('time[datetime]').forEach(function (el) {
    var d = new Date(el.getAttribute('datetime'));
    if (isNaN(d.getTime())) {
      return;
    }
    try {
      var text = d.toLocaleString(doc.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' });
      el.title = el.textContent;
      el.textContent = text;
    } catch (e) {
      // An old browser without these options keeps the UTC text.
    }
  });

  // Passkeys (WebAuthn): the ceremonies run here, over the JSON API; the
  // pages show their passkey buttons only to this script, in a browser
  // that has passkeys (without it the page offers the other ways).
  function b64u(buf) {
    var bytes = new Uint8Array(buf), s = '';
    for (var i = 0; i < bytes.length; i++) {
      s += String.fromCharCode(bytes[i]);
    }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function unb64u(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) {
      s += '=';
    }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }
  function ids(list) {
    (list || []).forEach(function (c) { c.id = unb64u(c.id); });
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var err = new Error((j.error && j.error.message) || '');
          err.status = r.status;
          err.code = j.error && j.error.code;
          throw err;
        }
        return j;
      });
    });
  }
  function credentialJSON(cred) {
    var r = cred.response, resp = { clientDataJSON: b64u(r.clientDataJSON) };
    if (r.attestationObject) {
      resp.attestationObject = b64u(r.attestationObject);
      if (r.getTransports) {
        resp.transports = r.getTransports();
      }
    } else {
      resp.authenticatorData = b64u(r.authenticatorData);
      resp.signature = b64u(r.signature);
      if (r.userHandle) {
        resp.userHandle = b64u(r.userHandle);
      }
    }
    return {
      id: cred.id, rawId: b64u(cred.rawId), type: cred.type, response: resp,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      authenticatorAttachment: cred.authenticatorAttachment || undefined
    };
  }
  function passkeyError(box, err) {
    var out = box.querySelector('#passkey-error') || doc.getElementById('passkey-error');
    if (!out) {
      return;
    }
    // A refusal by the server says why; the browser's own (cancelled,
    // timed out, no key) gets the page's sentence.
    out.textContent = (err && err.status && err.message) || box.dataset.failed;
    out.hidden = false;
  }
  var hasPasskeys = !!(window.PublicKeyCredential && navigator.credentials && window.fetch);
  if (hasPasskeys) {
    all('#passkey-needs-js').forEach(function (note) { note.hidden = true; });
  }
  all('[data-passkey-login]').forEach(function (box) {
    if (!hasPasskeys) {
      return;
    }
    box.hidden = false;
    var btn = box.querySelector('button'), busy = false;
    var passwordless = box.hasAttribute('data-passwordless');
    var verify = box.hasAttribute('data-verify');
    btn.addEventListener('click', function () {
      if (busy) {
        return;
      }
      busy = true;
      btn.setAttribute('aria-disabled', 'true');
      post(box.dataset.api + '/passkey/login/start', { passwordless: passwordless, verify: verify }).then(function (opts) {
        var pk = opts.publicKey;
        pk.challenge = unb64u(pk.challenge);
        ids(pk.allowCredentials);
        return navigator.credentials.get({ publicKey: pk });
      }).then(function (cred) {
        return post(box.dataset.api + '/passkey/login', { passwordless: passwordless, credential: credentialJSON(cred) });
      }).then(function () {
        location.assign(box.dataset.next);
      }).catch(function (err) {
        busy = false;
        btn.removeAttribute('aria-disabled');
        passkeyError(box, err);
      });
    });
  });
  all('form[data-passkey-register]').forEach(function (form) {
    if (!hasPasskeys) {
      return;
    }
    form.hidden = false;
    var busy = false;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      var name = form.querySelector('input[name=name]').value;
      post(form.dataset.api + '/passkeys/register/start', {}).then(function (opts) {
        var pk = opts.publicKey;
        pk.challenge = unb64u(pk.challenge);
        pk.user.id = unb64u(pk.user.id);
        ids(pk.excludeCredentials);
        return navigator.credentials.create({ publicKey: pk });
      }).then(function (cred) {
        return post(form.dataset.api + '/passkeys/register', { name: name, credential: credentialJSON(cred) });
      }).then(function () {
        location.assign(form.dataset.done);
      }).catch(function (err) {
        busy = false;
        if (err && err.code === 'step_up_required') {
          // Adding a key takes fresh proofs of every factor.
          location.assign(form.dataset.confirm);
          return;
        }
        passkeyError(form, err);
      });
    });
  });

  // With several problems, the summary over the form takes the focus.
  var summary = doc.querySelector('.alert-error[tabindex]');
  if (summary) {
    summary.focus();
  }
})();
