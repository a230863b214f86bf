// The bridge-point host's page: check-ins and the headcount go into a queue kept in the
// browser (localStorage, so a reload or a dead battery loses nothing) and are sent when the
// network allows, retried with back-off. Each check-in names its participant, so the server
// counts it once however often it arrives; entries leave the queue only when the server has
// answered for them. Without this script the forms post as they are.
(function () {
  'use strict';
  var root = document.getElementById('host');
  if (!root || !window.fetch || !window.localStorage || !window.JSON) return;
  var api = root.getAttribute('data-api');
  var csrf = root.getAttribute('data-csrf');
  var key = 'binhdan-queue-' + root.getAttribute('data-user') + '-' + root.getAttribute('data-point');
  // What waited longer than this is dropped: the server refuses check-ins sent more than six
  // hours after an event, and numbers typed by a host should not linger on the device.
  var KEEP_MS = 30 * 3600 * 1000;
  var status = document.getElementById('queue-status');
  var results = document.getElementById('results');
  var figures = document.getElementById('figures');
  var sending = false, delay = 1000, timer = null, stopped = false;

  function load() {
    try {
      var q = JSON.parse(localStorage.getItem(key));
      if (q && q.items) {
        var oldest = Date.now() - KEEP_MS;
        q.items = q.items.filter(function (x) { return x.at > oldest; });
        if (q.headcount && !(q.headcount.at > oldest)) q.headcount = null;
        return q;
      }
    } catch (e) { /* a damaged queue starts afresh */ }
    return { items: [], headcount: null };
  }
  function save(q) {
    if (q.items.length || q.headcount) localStorage.setItem(key, JSON.stringify(q));
    else localStorage.removeItem(key);
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
  }
  function show() {
    var q = load();
    var n = q.items.length + (q.headcount ? 1 : 0);
    if (stopped) return;
    status.textContent = n
      ? root.getAttribute('data-queued').replace('%n', n) + (navigator.onLine === false ? ' ' + root.getAttribute('data-offline') : '')
      : root.getAttribute('data-sent');
  }
  function note(text, kind) {
    var li = document.createElement('li');
    li.textContent = text;
    li.className = kind || '';
    results.insertBefore(li, results.firstChild);
    while (results.children.length > 30) results.removeChild(results.lastChild);
  }
  function schedule() {
    if (timer) return;
    timer = setTimeout(function () { timer = null; flush(); }, delay);
    delay = Math.min(delay * 2, 30000);
  }
  function post(body) {
    return fetch(api, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 401 || r.status === 403) {
        stopped = true;
        status.textContent = root.getAttribute('data-signin');
        throw new Error('signed out');
      }
      if (r.status === 400 || r.status === 413 || r.status === 422) {
        // Refused as a whole (it will never pass): set it aside rather than block the queue.
        var bad = load();
        bad.items = bad.items.slice(200);
        bad.headcount = null;
        save(bad);
        note(root.getAttribute('data-refused'), 'refused');
        throw new Error('refused');
      }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    });
  }
  function flush() {
    if (sending || stopped) return;
    var q = load();
    if (!q.items.length && !q.headcount) { show(); return; }
    sending = true;
    var batch = q.items.slice(0, 200);
    var head = q.headcount;
    post({ csrf: csrf, items: batch, headcount: head }).then(function (reply) {
      var answered = {};
      reply.results.forEach(function (x) { answered[x.id] = true; note(x.message, x.status); });
      var now = load();
      now.items = now.items.filter(function (x) { return !answered[x.id]; });
      if (head && now.headcount && now.headcount.at === head.at) now.headcount = null;
      if (reply.headcount_message) note(reply.headcount_message, reply.headcount);
      save(now);
      if (reply.figures && figures) figures.textContent = reply.figures;
      delay = 1000;
      sending = false;
      show();
      if (now.items.length || now.headcount) flush();
    }).catch(function () {
      sending = false;
      show();
      if (!stopped) schedule();
    });
  }
  document.getElementById('checkin').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('identity');
    var v = input.value.trim();
    if (!v) return;
    var q = load();
    q.items.push({ id: uid(), identity: v, at: Date.now() });
    save(q);
    input.value = '';
    input.focus();
    show();
    flush();
  });
  document.getElementById('headcount').addEventListener('submit', function (e) {
    e.preventDefault();
    var v = parseInt(document.getElementById('headcount-value').value, 10);
    if (!(v >= 0 && v <= 100000)) return;
    var q = load();
    q.headcount = { value: v, at: Date.now() };
    save(q);
    show();
    flush();
  });
  window.addEventListener('online', function () { delay = 1000; flush(); });
  // Report in (the point shows as connected), then send whatever an earlier visit left.
  post({ csrf: csrf, items: [] }).then(function () { flush(); }, function () { schedule(); });
  show();
})();
