// Qorgan's service worker. It keeps the data entry pages a person has opened, and the script and
// style, so that a form can be opened again while the connection is down. Values typed offline are
// kept by the page itself (app.js, localStorage of this origin) and sent when the connection
// returns. Served from /sw.js so that its scope is the whole site; nothing comes from elsewhere.
"use strict";
var CACHE = "qorgan-offline-v1";

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) {
    return c.addAll(["/static/app.css", "/static/app.js"]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (e) {
  var request = e.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var kept = url.pathname === "/entry" || url.pathname.indexOf("/static/") === 0;
  if (!kept) return;
  // The network first, so that a page is never older than it must be; the kept copy without one.
  e.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (c) { c.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      return hit || new Response("<!doctype html><title>Offline</title><p>No connection, and this page was not opened before.</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  }));
});
