// Qorgan's service worker. It keeps the data entry pages a person has opened, and the script and
// style, so that a form can be opened again while the connection is down. Values typed offline are
// kept by the page itself (app.js, localStorage of this origin, per user) and sent when the
// connection returns. Served from /sw.js so that its scope is the whole site; nothing comes from
// elsewhere.
//
// Kept pages belong to one session. Every page the server sends says whose session it is and when
// that session ends (the X-Qorgan-Offline header: a tag derived from the session, never its secret,
// and the end in milliseconds; "none" signed out; a download carries none and changes nothing). The pages of a session are kept in a cache of
// their own; any page of another session, or of none (signed out, session ended, another person
// signed in), deletes every kept page first. Offline, only the current session's pages are shown,
// and none once that session has ended: a page one person saw is never shown to the next.
"use strict";
var STATIC = "qorgan-static-v2";
var PAGES = "qorgan-pages:";
var STATE = "qorgan-offline-state";
var OWNER = "/__qorgan/offline-owner";
// The page shown for a page that cannot be reached, in the reader's language (app.js says which).
var OFFLINE = "/offline";
var offlineLang = null;

function owner() {
  return caches.open(STATE).then(function (c) { return c.match(OWNER); })
    .then(function (r) { return r ? r.json() : null; }).catch(function () { return null; });
}

function forgetPages(except) {
  return caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PAGES) === 0 && k !== except; })
      .map(function (k) { return caches.delete(k); }));
  });
}

// Reads whose session a page is; drops every kept page of any other (or of none).
function follow(response) {
  var header = response.headers.get("X-Qorgan-Offline");
  if (header === null) return owner();  // not a page of Qorgan's frame (a download): says nothing
  var parts = header.split(" ");
  var now = parts[0] !== "none" && parts.length === 2 ? { tag: parts[0], ends: Number(parts[1]) } : null;
  return owner().then(function (was) {
    if (now && was && was.tag === now.tag) return now;
    return forgetPages(now ? PAGES + now.tag : null).then(function () {
      return caches.open(STATE).then(function (c) {
        return now ? c.put(OWNER, new Response(JSON.stringify(now))) : c.delete(OWNER);
      });
    }).then(function () { return now; });
  });
}

function escapeHTML(s) {
  return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// The current session's kept forms, as links named by their pages' titles.
function keptForms() {
  return owner().then(function (now) {
    if (!now || now.ends <= Date.now()) return [];
    return caches.open(PAGES + now.tag).then(function (c) {
      return c.keys().then(function (requests) {
        return Promise.all(requests.map(function (req) {
          return c.match(req).then(function (r) { return r ? r.text() : ""; }).then(function (text) {
            var title = /<title>([^<]*)<\/title>/.exec(text);
            return "<li><a href=\"" + escapeHTML(req.url) + "\">" + (title ? title[1] : escapeHTML(req.url)) + "</a></li>";
          });
        }));
      });
    });
  });
}

// The offline page in the reader's language with the kept forms listed; the bare one without it.
function offlineFallback(text) {
  return caches.match(OFFLINE, { cacheName: STATIC }).then(function (hit) {
    if (!hit) return offlinePage(text);
    return Promise.all([hit.text(), keptForms()]).then(function (parts) {
      var html = parts[0];
      if (parts[1].length) html = html.replace(/<!--none-->[\s\S]*<!--\/none-->/, "").replace("<!--kept-->", parts[1].join(""));
      return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

function refreshOffline(lang) {
  if (!lang || lang === offlineLang) return Promise.resolve();
  offlineLang = lang;
  return fetch(OFFLINE + "?lang=" + encodeURIComponent(lang), { credentials: "same-origin" }).then(function (r) {
    if (r.ok) return caches.open(STATIC).then(function (c) { return c.put(OFFLINE, r); });
  }).catch(function () { offlineLang = null; });
}

function offlinePage(text) {
  return new Response("<!doctype html><meta charset=utf-8><title>Offline</title><p>" + text + "</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(STATIC).then(function (c) {
    return c.addAll(["/static/app.css", "/static/app.js", OFFLINE]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  // Caches of earlier versions (the one of version 1 was shared by every user) go.
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== STATIC && k !== STATE && k.indexOf(PAGES) !== 0; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (e) {
  // The sign-out button: forget at once.
  if (e.data === "forget") e.waitUntil(forgetPages(null).then(function () { return caches.delete(STATE); }));
  if (e.data && e.data.offlineLang) e.waitUntil(refreshOffline(e.data.offlineLang));
});

self.addEventListener("fetch", function (e) {
  var request = e.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(fetch(request).then(function (response) {
      if (response.ok) { var copy = response.clone(); caches.open(STATIC).then(function (c) { c.put(request, copy); }); }
      return response;
    }).catch(function () {
      return caches.match(request, { cacheName: STATIC }).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  var entry = url.pathname === "/entry";
  if (!entry && request.mode !== "navigate") return;
  // The network first, so that a page is never older than it must be; the kept copy without one.
  e.respondWith(fetch(request).then(function (response) {
    return follow(response).then(function (now) {
      if (entry && now && response.ok && !response.redirected) {
        var copy = response.clone();
        return caches.open(PAGES + now.tag).then(function (c) { return c.put(request, copy); })
          .then(function () { return response; });
      }
      return response;
    });
  }).catch(function () {
    if (!entry) return offlineFallback("No connection.");
    return owner().then(function (now) {
      if (!now || now.ends <= Date.now()) {
        return forgetPages(null).then(function () {
          return offlineFallback("No connection, and no page kept for a signed-in session.");
        });
      }
      return caches.open(PAGES + now.tag).then(function (c) { return c.match(request); }).then(function (hit) {
        return hit || offlineFallback("No connection, and this page was not opened before.");
      });
    });
  }));
});
