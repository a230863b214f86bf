// The service worker: lessons once opened (and modules saved with "Tải về") read offline,
// images included; what was done offline is sent by Background Sync. Served at /sw.js by the
// server, which fills in the two values below (the current assets' URLs change with their
// content, and so does this file: a new version installs itself).
'use strict';
var QUEUE_URL = '__QUEUE_URL__';
var PRECACHE = __PRECACHE__;
var STATIC = 'binhdan-static-' + QUEUE_URL.replace(/\W/g, '');
var PAGES = 'binhdan-pages';
importScripts(QUEUE_URL);

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(STATIC).then(function (c) {
    return c.addAll(PRECACHE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf('binhdan-static-') === 0 && k !== STATIC;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// Pages kept when opened: a lesson, the course list, a course's outline, a saved quiz.
function keep(path) {
  if (/^\/bai\/[^/]+$/.test(path)) return true;
  if (/^\/hoc\/kiem-tra\/[^/]+\/ngoai-tuyen$/.test(path)) return true;
  var m = /^\/hoc(?:\/([^/]+))?$/.exec(path);
  return !!m && m[1] !== 'thi' && m[1] !== 'cua-toi' && m[1] !== 'dong-bo';
}

function match(key) { return caches.match(key, { ignoreVary: true }); }

// Without a network: the page as last seen, the saved quiz for a quiz, else the page that
// says what works offline (and that the certification exam needs a connection).
function offline(path) {
  return match(path).then(function (hit) {
    if (hit) return hit;
    var quiz = /^\/hoc\/kiem-tra\/([^/]+)$/.exec(path);
    return quiz ? match('/hoc/kiem-tra/' + quiz[1] + '/ngoai-tuyen') : null;
  }).then(function (hit) {
    return hit || match('/ngoai-tuyen');
  }).then(function (hit) {
    return hit || new Response('', { status: 503, statusText: 'Offline' });
  });
}

self.addEventListener('fetch', function (e) {
  var req = e.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  var path = url.pathname;
  if (path.indexOf('/static/') === 0 || path.indexOf('/noi-dung/tep/') === 0) {
    e.respondWith(match(req).then(function (hit) {
      return hit || fetch(req).then(function (r) {
        if (r.ok) {
          var copy = r.clone();
          caches.open(path.indexOf('/static/') === 0 ? STATIC : PAGES).then(function (c) { return c.put(req, copy); });
        }
        return r;
      });
    }));
    return;
  }
  if (req.mode !== 'navigate') return;
  e.respondWith(fetch(req).then(function (r) {
    if (r.ok && !r.redirected && !url.search && keep(path)) {
      var copy = r.clone();
      caches.open(PAGES).then(function (c) { return c.put(path, copy); });
    }
    return r;
  }, function () { return offline(path); }));
});

self.addEventListener('sync', function (e) {
  if (e.tag === 'binhdan-queue' && self.BinhDanQueue) e.waitUntil(self.BinhDanQueue.flush());
});
