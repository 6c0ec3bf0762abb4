// Keeps the offline check-in page and its assets: network first, the kept copy when there is
// no connection. Only same-origin GETs of the page and of /static/ are kept.
"use strict";
var CACHE = "bahali-field-v1";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (!(url.pathname.indexOf("/static/") === 0 || url.pathname === "/field/offline/")) { return; }
  event.respondWith(fetch(request).then(function (response) {
    // not a redirect (an ended session answers with the sign-in page: never kept as the form)
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (kept) { return kept || Response.error(); });
  }));
});
