// Bahali's own field forms (the check-in, and each instrument the user may fill), filled
// with no connection: each filled form becomes an XForm instance, is encrypted at once and
// kept in the browser (IndexedDB), shown as "N waiting to send", and sent when the
// connection returns — to the same service ODK Collect submissions go through.
//
// Encryption: a fresh AES-GCM key per form, wrapped with the server's RSA-OAEP public key
// (the page holds no private key), the key's id as associated data. What waits on the device
// cannot be read there; only the server opens it when it arrives.
(function () {
  "use strict";
  var root = document.querySelector("[data-offline]");
  if (!root) { return; }
  var counter = document.querySelector("[data-testid=offline-waiting]");
  var sentNote = document.querySelector("[data-testid=offline-sent]");
  var checkInCases = JSON.parse(document.getElementById("field-cases").textContent);
  var assessmentCases = JSON.parse(document.getElementById("field-assessment-cases").textContent);
  var meetingCases = JSON.parse(document.getElementById("field-meeting-cases").textContent);
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var signIn = document.querySelector("[data-testid=offline-sign-in]");
  var keyId = root.dataset.keyId;
  var DB = "bahali-field", STORE = "queue";

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
  var publicKey = crypto.subtle.importKey(
    "spki", fromBase64(root.dataset.publicKey), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["wrapKey"]
  );
  function seal(id, xml) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var aad = new TextEncoder().encode(keyId);
    return Promise.all([publicKey, crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"])])
      .then(function (keys) {
        return Promise.all([
          crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: aad }, keys[1], new TextEncoder().encode(xml)),
          crypto.subtle.wrapKey("raw", keys[1], keys[0], { name: "RSA-OAEP" })
        ]);
      })
      .then(function (parts) {
        return { id: id, key_id: keyId, iv: toBase64(iv), data: toBase64(parts[0]), wrapped: toBase64(parts[1]) };
      });
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function run(mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = action(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  // Only this user's forms: on a shared device another user's stay kept (and unreadable).
  function all() {
    return run("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (item) { return item.key_id === keyId; });
    });
  }
  function put(item) { return run("readwrite", function (s) { return s.put(item); }); }
  // Forms kept in plain text by an earlier version of this page: encrypted in place.
  function encryptOlder() {
    return run("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return Promise.all(items.filter(function (item) { return item.xml && !item.key_id; })
        .map(function (item) { return seal(item.id, item.xml).then(put); }));
    });
  }
  function remove(id) { return run("readwrite", function (s) { return s.delete(id); }); }

  function show() {
    return all().then(function (items) {
      counter.textContent = counter.dataset.template.replace("__COUNT__", items.length);
      counter.dataset.count = items.length;
    });
  }
  function escape(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function newId() {
    return "uuid:" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
  }
  function instance(form, data, id) {
    var body = "";
    Object.keys(data).forEach(function (key) { body += "<" + key + ">" + escape(data[key]) + "</" + key + ">"; });
    return '<data id="' + escape(form.dataset.formId) + '" version="' + escape(form.dataset.formVersion) + '">' +
      body + "<meta><instanceID>" + id + "</instanceID></meta></data>";
  }
  // Every named answer of the form, several choices joined by spaces (as XForms do).
  function answers(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.type === "submit") { return; }
      if (element.type === "checkbox" || element.type === "radio") {
        if (!(element.name in data)) { data[element.name] = ""; }
        if (element.checked) { data[element.name] = (data[element.name] + " " + element.value).trim(); }
      } else {
        data[element.name] = element.value;
      }
    });
    return data;
  }
  // What the form is based on, as the XForm calculates it from cases.csv: the planned
  // check-in and its version, the ongoing mentor assignment, or the case's phase (a stale base ends in the conflict queue).
  function values(form) {
    var data = answers(form);
    if (form.dataset.kind === "check_in") {
      var picked = checkInCases[data["case"]] || {};
      return {
        "case": data["case"], checkin: picked.checkin || "", checkin_version: picked.version || "",
        done_on: data.done_on, method: data.method, wellbeing: data.wellbeing, warnings: data.warnings,
        notes: data.notes, follow_up: data.follow_up
      };
    }
    if (form.dataset.kind === "mentor_meeting") {
      return {
        "case": data["case"], assignment: meetingCases[data["case"]] || "", met_on: data.met_on,
        duration_minutes: data.duration_minutes, place: data.place, summary: data.summary,
        concerns: data.concerns
      };
    }
    var ordered = { bahali_case: data.bahali_case, bahali_phase: assessmentCases[data.bahali_case] || "" };
    Object.keys(data).forEach(function (key) { if (!(key in ordered)) { ordered[key] = data[key]; } });
    return ordered;
  }

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
    return all().then(function (items) {
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
                return remove(item.id);
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

  Array.prototype.forEach.call(document.querySelectorAll("[data-offline-form]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.reportValidity()) { return; }
      var id = newId();
      seal(id, instance(form, values(form), id))
        .then(put)
        .then(function () { form.reset(); sentNote.textContent = root.dataset.kept; return show(); })
        .then(send);
    });
  });
  var pick = document.getElementById("offline-pick");
  pick.addEventListener("change", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-form-panel]"), function (panel) {
      panel.hidden = panel.dataset.formPanel !== pick.value;
    });
  });
  pick.dispatchEvent(new Event("change"));
  window.addEventListener("online", send);
  encryptOlder().then(show).then(send);
  setInterval(send, 15000);
})();
