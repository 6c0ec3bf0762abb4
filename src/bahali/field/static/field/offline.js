// Bahali's own check-in form, filled with no connection: each filled form is kept in the
// browser (IndexedDB) as an XForm instance, shown as "N waiting to send", and sent when the
// connection returns — to the same service ODK Collect submissions go through.
(function () {
  "use strict";
  var form = document.querySelector("[data-offline-form]");
  if (!form) { return; }
  var counter = document.querySelector("[data-testid=offline-waiting]");
  var sentNote = document.querySelector("[data-testid=offline-sent]");
  var cases = JSON.parse(document.getElementById("field-cases").textContent);
  var DB = "bahali-field", STORE = "queue";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(form.dataset.worker, { scope: form.dataset.scope });
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
  function all() { return run("readonly", function (s) { return s.getAll(); }); }
  function put(item) { return run("readwrite", function (s) { return s.put(item); }); }
  function remove(id) { return run("readwrite", function (s) { return s.delete(id); }); }

  function show() {
    return all().then(function (items) {
      counter.textContent = counter.dataset.template.replace("__COUNT__", items.length);
      counter.dataset.count = items.length;
    });
  }
  function escape(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function instance(data) {
    var body = "";
    Object.keys(data).forEach(function (key) { body += "<" + key + ">" + escape(data[key]) + "</" + key + ">"; });
    var id = "uuid:" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    return { id: id, xml: '<data id="' + form.dataset.formId + '" version="' + form.dataset.formVersion + '">' +
      body + "<meta><instanceID>" + id + "</instanceID></meta></data>" };
  }

  var sending = false;
  function send() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    return all().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          var body = new FormData();
          body.append("xml_submission_file", new Blob([item.xml], { type: "text/xml" }), "instance.xml");
          return fetch(form.dataset.submit, {
            method: "POST", body: body, credentials: "same-origin",
            headers: { "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value }
          }).then(function (response) {
            if (response.status === 201) {
              return response.json().then(function (answer) {
                sentNote.textContent = answer.message;
                return remove(item.id);
              });
            }
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* still offline: kept for the next try */ })
      .then(function () { sending = false; return show(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) { return; }
    var picked = cases[form.elements.case.value] || {};
    var warnings = Array.prototype.filter.call(form.querySelectorAll("[name=warnings]:checked"),
      function (box) { return true; }).map(function (box) { return box.value; });
    var item = instance({
      "case": form.elements.case.value, checkin: picked.checkin || "", checkin_version: picked.version || "",
      done_on: form.elements.done_on.value, method: form.elements.method.value,
      wellbeing: form.elements.wellbeing.value, warnings: warnings.join(" "),
      notes: form.elements.notes.value, follow_up: form.elements.follow_up.value
    });
    put(item).then(function () { form.reset(); return show(); }).then(send);
  });
  window.addEventListener("online", send);
  show().then(send);
  setInterval(send, 15000);
})();
