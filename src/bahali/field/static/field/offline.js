// The field forms (every form the server lists: the same XForms ODK Collect gets), filled
// with no connection in enketo-core (vendor/enketo/enketo.js, built from the npm lock). The
// server transformed each XForm into Enketo's HTML form and XML model (field/enketo.py);
// the page gives the form its lookup files (the user's own cases) as external instances.
//
// A filled form becomes its XForm instance, is encrypted at once and kept in the browser
// (IndexedDB, "queue"), shown as "N waiting to send", and sent when the connection returns
// — to the same service ODK Collect submissions go through.
//   Encryption of what waits to be sent: a fresh AES-GCM key per form, wrapped with the
//   server's RSA-OAEP public key (the page holds no private key), the key's id as
//   associated data. It cannot be read on the device; only the server opens it.
//
// A half-filled form is a draft ("drafts"): saved on its own a moment after each change and
// with "Save draft", listed, reopened and finished with no connection, deleted once sent.
//   Encryption of drafts: AES-GCM under the drafts key the server derives from the same
//   offline form key (GET data-draft-key, never part of the page the service worker keeps),
//   imported as a key the page cannot read back and kept in IndexedDB ("keys"), so drafts
//   open with no connection; nothing of a draft is stored in plain text.
(function () {
  "use strict";
  var root = document.querySelector("[data-offline]");
  if (!root) { return; }
  var counter = document.querySelector("[data-testid=offline-waiting]");
  var sentNote = document.querySelector("[data-testid=offline-sent]");
  var errorBox = document.querySelector("[data-testid=offline-error]");
  var draftNote = document.querySelector("[data-testid=offline-draft-status]");
  var draftList = document.querySelector("[data-testid=offline-draft-list]");
  var noDrafts = document.querySelector("[data-testid=offline-no-drafts]");
  var host = document.querySelector("[data-testid=offline-form-host]");
  var pick = document.getElementById("offline-pick");
  var forms = JSON.parse(document.getElementById("field-forms").textContent);
  var messages = JSON.parse(document.getElementById("enketo-messages").textContent);
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var signIn = document.querySelector("[data-testid=offline-sign-in]");
  var keyId = root.dataset.keyId;
  var DB = "bahali-field", QUEUE = "queue", DRAFTS = "drafts", KEYS = "keys";
  var AUTOSAVE_MS = 1500;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.worker, { scope: root.dataset.scope });
  }

  function toBase64(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text);
  }
  function fromBase64(text) {
    var raw = atob(text), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  var aad = new TextEncoder().encode(keyId);
  var publicKey = crypto.subtle.importKey(
    "spki", fromBase64(root.dataset.publicKey), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["wrapKey"]
  );
  function seal(id, xml, draft) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return Promise.all([publicKey, crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"])])
      .then(function (keys) {
        return Promise.all([
          crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: aad }, keys[1], new TextEncoder().encode(xml)),
          crypto.subtle.wrapKey("raw", keys[1], keys[0], { name: "RSA-OAEP" })
        ]);
      })
      .then(function (parts) {
        return {
          id: id, key_id: keyId, iv: toBase64(iv), data: toBase64(parts[0]), wrapped: toBase64(parts[1]),
          draft: draft || null
        };
      });
  }

  // --- IndexedDB: the queue, the drafts, the drafts key -------------------------------
  var database = null;
  function open() {
    if (database) { return database; }
    database = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 2);
      request.onupgradeneeded = function () {
        var db = request.result;
        [QUEUE, DRAFTS, KEYS].forEach(function (name) {
          if (!db.objectStoreNames.contains(name)) { db.createObjectStore(name, { keyPath: "id" }); }
        });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return database;
  }
  function run(store, mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result = action(tx.objectStore(store));
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  // Only this user's: on a shared device another user's stay kept (and unreadable).
  function mine(store) {
    return run(store, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (item) { return item.key_id === keyId; });
    });
  }
  function put(store, item) { return run(store, "readwrite", function (s) { return s.put(item); }); }
  function get(store, id) { return run(store, "readonly", function (s) { return s.get(id); }); }
  function remove(store, id) { return run(store, "readwrite", function (s) { return s.delete(id); }); }
  // Forms kept in plain text by an earlier version of this page: encrypted in place.
  function encryptOlder() {
    return run(QUEUE, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return Promise.all(items.filter(function (item) { return item.xml && !item.key_id; })
        .map(function (item) { return seal(item.id, item.xml).then(function (sealed) { return put(QUEUE, sealed); }); }));
    });
  }

  function show() {
    return mine(QUEUE).then(function (items) {
      counter.textContent = counter.dataset.template.replace("__COUNT__", items.length);
      counter.dataset.count = items.length;
    });
  }
  function newId() {
    return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }

  // --- drafts ------------------------------------------------------------------------
  // Online: the drafts key from the server, imported non-extractable and kept; offline: the
  // kept one (null when this device never fetched it: drafts cannot be kept then).
  var draftKey = fetch(root.dataset.draftKey, { credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      if (!response.ok || response.redirected) { throw new Error("no drafts key"); }
      return response.json();
    })
    .then(function (body) {
      if (body.key_id !== keyId) { throw new Error("another key"); }
      return crypto.subtle.importKey("raw", fromBase64(body.key), { name: "AES-GCM" }, false, ["encrypt", "decrypt"])
        .then(function (key) {
          // Only the signed-in user's key stays on the device: an earlier user's goes, so
          // their drafts (kept, encrypted) cannot be opened by whoever uses it next; they
          // get the same key back from the server when they sign in again.
          return run(KEYS, "readwrite", function (s) {
            s.openCursor().onsuccess = function (event) {
              var cursor = event.target.result;
              if (!cursor) { return; }
              if (cursor.value.key_id !== keyId) { cursor.delete(); }
              cursor.continue();
            };
          }).then(function () { return put(KEYS, { id: keyId, key_id: keyId, key: key }); })
            .then(function () { return key; });
        });
    })
    .catch(function () {
      return get(KEYS, keyId).then(function (kept) { return kept ? kept.key : null; });
    });
  function sealDraft(id, content) {
    return draftKey.then(function (key) {
      if (!key) { throw new Error("no drafts key"); }
      var iv = crypto.getRandomValues(new Uint8Array(12));
      return crypto.subtle.encrypt(
        { name: "AES-GCM", iv: iv, additionalData: aad }, key, new TextEncoder().encode(JSON.stringify(content))
      ).then(function (data) {
        return { id: id, key_id: keyId, iv: toBase64(iv), data: toBase64(data), queued: false };
      });
    });
  }
  function openDraft(item) {
    return draftKey.then(function (key) {
      return crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(item.iv), additionalData: aad }, key, fromBase64(item.data)
      );
    }).then(function (plain) {
      var content = JSON.parse(new TextDecoder().decode(plain));
      content.id = item.id;
      return content;
    });
  }
  function drafts() {
    return mine(DRAFTS).then(function (items) {
      return Promise.all(items.filter(function (item) { return !item.queued; }).map(function (item) {
        return openDraft(item).catch(function () { return null; });
      }));
    }).then(function (opened) {
      return opened.filter(function (draft) { return draft && forms[draft.form_id]; })
        .sort(function (a, b) { return b.saved_at - a.saved_at; });
    });
  }
  // The first answer of the draft (in every field form, the case picked), to tell drafts apart.
  function firstAnswer(xml) {
    var doc = new DOMParser().parseFromString(xml, "text/xml");
    var leaves = doc.documentElement ? doc.documentElement.querySelectorAll("*") : [];
    for (var i = 0; i < leaves.length; i++) {
      var leaf = leaves[i];
      if (!leaf.children.length && leaf.textContent.trim() && leaf.localName !== "instanceID") {
        return leaf.textContent.trim();
      }
    }
    return "";
  }
  function button(label, testid, style, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-sm " + style;
    element.textContent = label;
    element.dataset.testid = testid;
    element.addEventListener("click", action);
    return element;
  }
  function listDrafts() {
    return drafts().then(function (items) {
      draftList.replaceChildren();
      noDrafts.hidden = items.length > 0;
      draftList.hidden = items.length === 0;
      items.forEach(function (draft) {
        var row = document.createElement("li");
        row.className = "list-group-item d-flex flex-wrap gap-2 align-items-center";
        row.dataset.testid = "offline-draft";
        row.dataset.draft = draft.id;
        var text = document.createElement("div");
        text.className = "me-auto";
        var name = document.createElement("div");
        name.className = "fw-semibold";
        name.textContent = forms[draft.form_id].name;
        var detail = document.createElement("div");
        detail.className = "small text-body-secondary";
        var first = firstAnswer(draft.xml);
        var when = new Date(draft.saved_at).toLocaleString(document.documentElement.lang || undefined);
        detail.textContent = (first ? first + " · " : "") + root.dataset.savedAt.replace("__TIME__", when);
        text.append(name, detail);
        if (current && current.draftId === draft.id) {
          var open = document.createElement("span");
          open.className = "badge text-bg-info";
          open.textContent = root.dataset.draftOpen;
          text.append(" ", open);
        }
        row.append(
          text,
          button(root.dataset.openLabel, "offline-draft-open", "btn-outline-primary", function () { reopen(draft); }),
          button(root.dataset.deleteLabel, "offline-draft-delete", "btn-outline-danger", function () { discard(draft.id); })
        );
        draftList.append(row);
      });
    });
  }

  // --- the form engine -----------------------------------------------------------------
  var current = null;  // { form, formId, draftId, changed, timer }
  var saving = Promise.resolve();  // draft writes, one after the other
  function fail(messages) {
    errorBox.hidden = !messages.length;
    errorBox.textContent = messages.join(" ");
  }
  function load(formId, instance, draftId) {
    var spec = forms[formId];
    var template = document.querySelector('template[data-enketo-form="' + formId + '"]');
    var element = template.content.querySelector("form").cloneNode(true);
    // the stylesheet's fixed texts ("This field is required") in the page's language
    Array.prototype.forEach.call(element.querySelectorAll("[data-i18n]"), function (text) {
      if (messages[text.dataset.i18n]) { text.textContent = messages[text.dataset.i18n]; }
    });
    host.replaceChildren(element);
    var data = {
      modelStr: spec.model,
      external: spec.external.map(function (file) {
        return { id: file.id, xml: new DOMParser().parseFromString(file.xml, "text/xml") };
      })
    };
    if (instance) { data.instanceStr = instance; data.submitted = false; }
    var form = new window.BahaliEnketo.Form(element, data, { language: root.dataset.language });
    current = { form: form, formId: formId, draftId: draftId || null, changed: false, timer: null };
    var errors = form.init();
    fail(errors.length ? [root.dataset.loadError].concat(errors) : []);
    pick.value = formId;
    var mark = function () {
      if (!current || current.form !== form) { return; }
      current.changed = true;
      clearTimeout(current.timer);
      current.timer = setTimeout(function () { saveDraft(false); }, AUTOSAVE_MS);
    };
    element.addEventListener("submit", function (event) { event.preventDefault(); });
    element.addEventListener("change", mark);
    element.addEventListener("input", mark);
    return listDrafts();
  }
  // Keeps the open form as a draft (when anything was answered, or when asked to).
  function saveDraft(asked) {
    var state = current;
    if (!state) { return Promise.resolve(); }
    clearTimeout(state.timer);
    if (!state.changed && !asked) { return saving; }
    state.changed = false;
    var xml = state.form.getDataStr();
    if (!state.draftId) { state.draftId = newId(); }
    var content = { form_id: state.formId, xml: xml, saved_at: Date.now() };
    saving = saving.then(function () {
      return sealDraft(state.draftId, content).then(function (item) { return put(DRAFTS, item); });
    }).then(function () {
      draftNote.textContent = root.dataset.draftSaved;
      return listDrafts();
    }).catch(function () {
      draftNote.textContent = root.dataset.draftUnavailable;
    });
    return saving;
  }
  function reopen(draft) {
    return saveDraft(false).then(function () {
      draftNote.textContent = "";
      return load(draft.form_id, draft.xml, draft.id);
    }).then(function () { host.scrollIntoView({ block: "start" }); });
  }
  function discard(id) {
    if (current && current.draftId === id) {
      clearTimeout(current.timer);
      current.changed = false;
      current.draftId = null;
    }
    saving = saving.then(function () { return remove(DRAFTS, id); }).then(listDrafts);
    return saving;
  }
  // Its draft (if any) stays until the form is sent; hidden from the list meanwhile.
  function markQueued(draftId) {
    return get(DRAFTS, draftId).then(function (item) {
      if (item) { item.queued = true; return put(DRAFTS, item); }
    });
  }
  function keep() {
    var state = current;
    clearTimeout(state.timer);
    return state.form.validate().then(function (valid) {
      if (!valid) { return; }
      var xml = state.form.getDataStr();
      var doc = new DOMParser().parseFromString(xml, "text/xml");
      var found = doc.getElementsByTagName("instanceID")[0];
      var id = (found && found.textContent) || "uuid:" + newId();
      state.changed = false;
      current = null;  // nothing more of this form is saved as a draft
      saving = saving.then(function () {
        return seal(id, xml, state.draftId).then(function (item) { return put(QUEUE, item); });
      }).then(function () {
        return state.draftId ? markQueued(state.draftId) : null;
      }).then(function () {
        sentNote.textContent = root.dataset.kept;
        draftNote.textContent = "";
        return show();
      });
      return saving.then(function () { return load(state.formId); }).then(send);
    });
  }

  // --- sending ---------------------------------------------------------------------------
  var sending = false;
  function body(item) {
    var form = new FormData();
    ["key_id", "wrapped", "iv", "data"].forEach(function (name) { form.append(name, item[name]); });
    return form;
  }
  // A fresh CSRF token from the page itself (the kept copy may hold one from an earlier
  // sign-in); null when the session has ended (the page answers with the sign-in form).
  function freshToken() {
    return fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) { return null; }
        return response.text().then(function (html) {
          var found = new DOMParser().parseFromString(html, "text/html")
            .querySelector("[data-offline] [name=csrfmiddlewaretoken]");
          return found ? found.value : null;
        });
      });
  }
  function post(item) {
    return fetch(root.dataset.submit, {
      method: "POST", body: body(item), credentials: "same-origin", headers: { "X-CSRFToken": csrf }
    });
  }
  function signInNeeded(needed) {
    signIn.hidden = !needed;
    if (needed) { sentNote.textContent = ""; }
  }
  function send() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    var refused = false;
    return mine(QUEUE).then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          if (refused) { return; }
          return post(item).then(function (response) {
            if (response.status !== 403 && !response.redirected) { return response; }
            // the token is stale or the session ended: a fresh token, else sign in again
            return freshToken().then(function (token) {
              if (!token) { return null; }
              csrf = token;
              return post(item);
            });
          }).then(function (response) {
            if (response && response.status === 201) {
              // received: applied, refused with the reason, or in the conflict queue (all
              // shown in the submissions log); anything else: kept for the next try
              return response.json().then(function (answer) {
                signInNeeded(false);
                sentNote.textContent = answer.message;
                return remove(QUEUE, item.id);
              }).then(function () {
                return item.draft ? remove(DRAFTS, item.draft) : null;  // sent: its draft goes
              });
            }
            if (!response || response.status === 403 || response.redirected) {
              refused = true;
              signInNeeded(true);
            }
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* still offline: kept for the next try */ })
      .then(function () { sending = false; return show(); });
  }

  document.querySelector("[data-testid=offline-keep]").addEventListener("click", function () {
    if (current) { keep(); }
  });
  document.querySelector("[data-testid=offline-save-draft]").addEventListener("click", function () {
    if (!current) { return; }
    var formId = current.formId;
    saveDraft(true).then(function () { return load(formId); }).then(function () {
      draftNote.textContent = root.dataset.draftSaved;
    });
  });
  pick.addEventListener("change", function () {
    var formId = pick.value;
    saveDraft(false).then(function () { load(formId); });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { saveDraft(false); }
  });
  window.addEventListener("online", send);
  load(pick.value);
  encryptOlder().then(show).then(send);
  setInterval(send, 15000);
})();
