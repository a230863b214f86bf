// Learning without a network (progressive enhancement; every page works without it).
//
// The first half is the queue, shared with the service worker (sw.js loads this file with
// importScripts): a lesson marked done or a practice-quiz answer taken offline waits in
// IndexedDB with the id made here, the time it was taken and the session it was taken in,
// and goes to POST /hoc/dong-bo when the network returns (on `online`, on the next page
// load, and by Background Sync where the browser has it). An item leaves the queue only when
// the server has answered for it; a refused one stays, shown with the reason.
//
// The second half runs on pages: registers the service worker, saves a module for offline
// reading ("Tải về"), lists what is saved and waiting, and clears it all on sign-out.
// Written for Android Chrome 80: ES2017 syntax at most (CI checks it with es-check).
(function (g) {
  'use strict';
  // Every citizen's page loads it (for sign-out), and pages that work offline load it again.
  if (!g.indexedDB || !g.fetch || !g.Promise || g.BinhDanQueue) return;

  function open() {
    return new Promise(function (resolve, reject) {
      var r = g.indexedDB.open('binhdan-offline', 1);
      r.onupgradeneeded = function () {
        var db = r.result;
        db.createObjectStore('queue', { keyPath: 'id' });
        db.createObjectStore('saved', { keyPath: 'module' });
        db.createObjectStore('me', { keyPath: 'k' });
      };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function tx(store, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var req = fn(t.objectStore(store));
        t.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }
  function all(store) { return tx(store, 'readonly', function (s) { return s.getAll(); }); }
  function put(store, v) { return tx(store, 'readwrite', function (s) { s.put(v); }); }
  function del(store, k) { return tx(store, 'readwrite', function (s) { s.delete(k); }); }
  function uid() {
    if (g.crypto && g.crypto.getRandomValues) {
      var b = new Uint8Array(16);
      g.crypto.getRandomValues(b);
      return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    }
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }
  function me() { return all('me').then(function (r) { return r[0] || null; }); }

  var sending = null;
  function tell(what) {
    if (g.document) {
      g.dispatchEvent(new CustomEvent('binhdan-queue', { detail: what }));
    } else if (g.clients) {
      g.clients.matchAll().then(function (cs) { cs.forEach(function (c) { c.postMessage({ binhdan: 'queue' }); }); });
    }
  }
  // Sends what waits (100 at a time), for the person signed in now; resolves with the
  // server's results, or rejects when the network or the session is not there.
  function flush() {
    if (sending) return sending;
    var batch = [];
    sending = Promise.all([me(), all('queue')]).then(function (r) {
      var who = r[0];
      if (!who) return [];
      batch = r[1].filter(function (x) { return x.person === who.person && x.state !== 'refused'; })
        .sort(function (a, b) { return a.seq - b.seq; }).slice(0, 100);
      if (!batch.length) return [];
      // A village team member's queue goes to the team's sync; a learner's to theirs.
      return fetch(who.url || '/hoc/dong-bo', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: JSON.stringify({ csrf: who.csrf, now: Date.now(), items: batch.map(function (x) { return x.wire; }) })
      }).then(function (resp) {
        if (!resp.ok) throw new Error('HTTP ' + resp.status);
        return resp.json();
      }).then(function (reply) {
        var byId = {};
        batch.forEach(function (x) { byId[x.id] = x; });
        return Promise.all(reply.results.map(function (res) {
          var x = byId[res.id];
          if (!x) return null;
          if (res.status === 'refused') {
            x.state = 'refused';
            x.reason = res.message;
            x.code = res.code;
            return put('queue', x);
          }
          return del('queue', x.id);
        })).then(function () { return reply.results; });
      });
    }).then(function (results) {
      sending = null;
      tell(results);
      return batch.length === 100 ? flush().then(function (more) { return results.concat(more); }) : results;
    }, function (e) {
      sending = null;
      tell(null);
      throw e;
    });
    return sending;
  }
  // Queues an action of the signed-in person (`wire` is what the server reads).
  function add(who, kind, wire, label) {
    var id = uid();
    wire.id = id;
    wire.kind = kind;
    wire.at = Date.now();
    wire.person = typeof who.id === 'number' ? who.id : who.person;
    wire.session = who.csrf;
    return put('queue', { id: id, seq: wire.at + Math.random(), person: who.person, state: 'queued', label: label, wire: wire });
  }
  // Sends a refused item again, bound to the session signed in now (the person confirmed it).
  function retry(id, who) {
    return all('queue').then(function (q) {
      var x = q.filter(function (y) { return y.id === id; })[0];
      if (!x || x.person !== who.person) return null;
      x.state = 'queued';
      x.wire.session = who.csrf;
      return put('queue', x);
    });
  }
  g.BinhDanQueue = { all: all, put: put, del: del, me: me, flush: flush, add: add, retry: retry };

  if (!g.document) return;

  // ---- pages -------------------------------------------------------------------------------
  var Q = g.BinhDanQueue;
  var doc = g.document;
  var el = doc.getElementById('bd-offline');
  var t = function (name) { return el ? el.getAttribute('data-' + name) || '' : ''; };
  var kb = function (bytes) { return Math.max(1, Math.round(bytes / 1024)) + ' KB'; };
  var person = el && el.getAttribute('data-person') ? Number(el.getAttribute('data-person')) : 0;
  // A village team member (a staff account) queues under a key of their own, so that a
  // learner's and a member's queues never mix on a shared phone.
  var staff = !!el && el.getAttribute('data-staff') === '1';
  var who = !person ? null : staff
    ? { k: 'me', person: 'staff:' + person, id: person, staff: true, csrf: el.getAttribute('data-csrf'), url: '/quan-ly/to-cong-nghe/dong-bo' }
    : { k: 'me', person: person, csrf: el.getAttribute('data-csrf') };
  var sent = 0;

  if ('serviceWorker' in navigator) {
    g.addEventListener('load', function () {
      navigator.serviceWorker.register('/sw.js').catch(function () { /* no offline then */ });
    });
    navigator.serviceWorker.addEventListener('message', function (e) {
      if (e.data && e.data.binhdan === 'queue') show();
    });
  }
  function later() {
    // Background Sync where the browser has it; else `online` and the next page load.
    if ('serviceWorker' in navigator && g.SyncManager) {
      navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register('binhdan-queue'); }).catch(function () {});
    }
  }
  function send() {
    return Q.flush().then(function (results) {
      sent += (results || []).filter(function (x) { return x.status !== 'refused'; }).length;
      return show();
    }, function () { later(); show(); });
  }

  function li(list, text, buttons, href) {
    var item = doc.createElement('li');
    if (href) {
      var a = doc.createElement('a');
      a.href = href;
      a.textContent = text;
      item.appendChild(a);
    } else {
      item.appendChild(doc.createTextNode(text));
    }
    (buttons || []).forEach(function (b) {
      var button = doc.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = b[0];
      button.addEventListener('click', function () { b[1](button); });
      item.appendChild(doc.createTextNode(' '));
      item.appendChild(button);
    });
    list.appendChild(item);
  }
  // What waits, what was refused and why, and (on /ngoai-tuyen) what is saved.
  function show() {
    var status = doc.getElementById('bd-status');
    if (!status) return Promise.resolve();
    return Promise.all([Q.all('queue'), Q.all('saved')]).then(function (r) {
      var mine = r[0].filter(function (x) { return who && x.person === who.person; });
      var waiting = mine.filter(function (x) { return x.state !== 'refused'; });
      var refused = mine.filter(function (x) { return x.state === 'refused'; });
      var lines = [];
      // A member offline with work waiting reads one thing: it is saved and will be sent.
      if (navigator.onLine === false && !(staff && waiting.length)) lines.push(t(staff ? 'team-now' : 'now'));
      if (waiting.length) lines.push(t(staff ? 'team-queued' : 'queued').replace('%n', waiting.length));
      else if (staff && sent) lines.push(t('team-sent').replace('%n', sent));
      // On the class page, the count present says how many more wait on the phone.
      var more = doc.getElementById('bd-present-waiting');
      if (more) {
        var n = waiting.filter(function (x) { return x.wire.kind === 'attend' && String(x.wire['class']) === more.getAttribute('data-class'); }).length;
        more.textContent = n ? ' + ' + n + ' ' + t('waiting') : '';
      }
      if (refused.length && !doc.getElementById('bd-refused')) lines.push(t('refused-some').replace('%n', refused.length));
      status.textContent = lines.join(' ');
      status.hidden = !status.textContent;
      var list = doc.getElementById('bd-refused');
      if (list) {
        list.textContent = '';
        refused.forEach(function (x) {
          var buttons = [[t('discard'), function () { Q.del('queue', x.id).then(show); }]];
          if (x.code === 'session') buttons.unshift([t('resend'), function () { Q.retry(x.id, who).then(send); }]);
          li(list, x.label + ': ' + x.reason, buttons);
        });
        list.hidden = !refused.length;
        var head = doc.getElementById('bd-refused-title');
        if (head) head.hidden = !refused.length;
      }
      var saved = doc.getElementById('bd-saved');
      if (saved) {
        saved.textContent = '';
        var used = 0;
        r[1].forEach(function (s) {
          used += s.bytes;
          // Removing asks twice: the first tap says what the second does.
          li(saved, s.title + ' (' + kb(s.bytes) + ')', [[t('remove'), function (button) {
            if (!button.binhdanSure) {
              button.binhdanSure = true;
              button.textContent = t('remove-sure');
              return;
            }
            remove(s.module).then(show);
          }]], s.first);
        });
        if (!r[1].length) li(saved, t('none'));
        var space = doc.getElementById('bd-space');
        if (space) space.textContent = t('used').replace('%s', kb(used));
      }
      doc.querySelectorAll('[data-save-module]').forEach(function (b) {
        var s = r[1].filter(function (x) { return x.module === b.getAttribute('data-save-module'); })[0];
        if (s) {
          note(b, t('saved').replace('%s', kb(s.bytes)));
          if (!b.binhdanList) {
            b.textContent = t('saved-button');
            b.className = 'secondary';
          }
        }
      });
    });
  }
  function note(button, text) {
    var out = doc.getElementById(button.getAttribute('aria-describedby'));
    if (out) out.textContent = text;
  }
  function remove(module) {
    return caches.delete('binhdan-mod-' + module).then(function () { return Q.del('saved', module); });
  }
  // Saves a module: its lessons, their images, its course page and (signed in) its practice
  // quiz, in a cache of its own. The size is shown first; the second press saves.
  function save(button) {
    var module = button.getAttribute('data-save-module');
    var list = button.binhdanList;
    if (!list) {
      return fetch('/hoc/tai-ve/' + encodeURIComponent(module), { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (l) {
          button.binhdanList = l;
          button.textContent = t('save-size').replace('%s', kb(l.bytes));
          note(button, t('confirm').replace('%s', kb(l.bytes)));
        }).catch(function () { note(button, t('failed')); });
    }
    button.disabled = true;
    note(button, t('saving'));
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    return caches.open('binhdan-mod-' + module).then(function (cache) {
      var bytes = 0;
      return Promise.all(list.urls.map(function (u) {
        return fetch(u, { credentials: 'same-origin' }).then(function (r) {
          if (!r.ok || r.redirected) throw new Error(u);
          return Promise.all([cache.put(u, r.clone()), r.blob()]).then(function (x) { bytes += x[1].size; });
        });
      })).then(function () {
        var first = list.urls.filter(function (u) { return u.indexOf('/bai/') === 0; })[0];
        return Q.put('saved', { module: module, title: list.title, course: list.course, first: first, bytes: bytes, at: Date.now() });
      });
    }).then(function () {
      button.disabled = false;
      button.textContent = t('save');
      button.binhdanList = null;
      return show();
    }, function () {
      button.disabled = false;
      note(button, t('failed'));
    });
  }
  doc.querySelectorAll('[data-save-module]').forEach(function (b) {
    if (!g.caches) return;
    b.hidden = false;
    b.addEventListener('click', function () { save(b); });
  });

  // "Tôi đã học xong bài này" without a network (or with one that does not answer): queued.
  doc.querySelectorAll('form[action$="/xong"]').forEach(function (form) {
    function queueIt() {
      var lesson = form.getAttribute('action').split('/')[2];
      return Q.add(who, 'lesson_done', { lesson: decodeURIComponent(lesson) }, t('kind-done') + ' «' + doc.title.split(' · ')[0] + '»').then(function () {
        var p = doc.createElement('p');
        p.setAttribute('role', 'status');
        p.textContent = t('done-queued');
        form.parentNode.replaceChild(p, form);
        later();
        show();
      });
    }
    form.addEventListener('submit', function (e) {
      if (!who || !g.URLSearchParams) return;
      e.preventDefault();
      if (navigator.onLine === false) return queueIt();
      fetch(form.action, { method: 'POST', credentials: 'same-origin', body: new URLSearchParams(new FormData(form)) })
        .then(function (r) {
          if (r.redirected) g.location.href = r.url;
          else form.submit(); // a refusal: the server's page says why
        }, queueIt);
    });
  });

  // The practice quiz saved for offline: every answer is queued, then sent when it can be.
  var started = Date.now();
  function answer(form, fields) {
    var now = Date.now();
    var wire = {
      module: form.getAttribute('data-module'),
      attempt: Number(form.elements.namedItem('attempt').value),
      item: form.elements.namedItem('item').value,
      fields: fields,
      elapsed_ms: now - started
    };
    started = now;
    return Q.add(who, 'answer', wire, t('kind-answer') + ' ' + form.getAttribute('data-number')).then(function () {
      Array.prototype.forEach.call(form.elements, function (x) { x.disabled = true; });
      var out = form.querySelector('.queued');
      if (out) out.textContent = t('answer-queued');
      send();
    });
  }
  doc.querySelectorAll('form.offline-q').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (!who || form.querySelector('button[name=pick]')) return;
      var fields = [];
      new FormData(form).forEach(function (v, k) {
        if (k !== 'csrf' && k !== 'attempt' && k !== 'item' && k !== 'shown_at') fields.push([k, String(v)]);
      });
      answer(form, fields);
    });
    // An ordering question is answered by tapping its steps in order (online, each tap is a
    // round trip); offline the taps stay here and become the ranks the grader reads.
    var picked = [];
    form.querySelectorAll('button[name=pick]').forEach(function (b) {
      b.addEventListener('click', function (e) {
        e.preventDefault();
        if (!who || b.value === 'lai') return;
        picked.push(b.value);
        b.disabled = true;
        b.textContent = picked.length + '. ' + b.textContent;
        if (picked.length === Number(form.elements.namedItem('steps').value)) {
          answer(form, picked.map(function (position, rank) { return ['rank_' + position, String(rank + 1)]; }));
        }
      });
    });
  });

  // Signing out removes this person's saved data (the server also says Clear-Site-Data);
  // what has not been sent yet is said first. A citizen's sign-out button names them on
  // every page.
  doc.querySelectorAll('form[action="/dang-xuat"]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      // A team member's unsent work stays on the phone, bound to them (sent again, once they
      // confirm it, after they sign in); the server does not clear a staff member's storage.
      var out = Number(form.getAttribute('data-person'));
      if (form.binhdanAsked || !out) return;
      e.preventDefault();
      Q.all('queue').then(function (q) {
        // Only this learner's: a village team member's work waiting on a shared phone stays
        // (and the server is asked not to wipe the phone's storage).
        var mine = q.filter(function (x) { return x.person === out; });
        var n = mine.length;
        if (n && !g.confirm(form.getAttribute('data-unsent').replace('%n', n))) return null;
        form.binhdanAsked = true;
        if (mine.length < q.length) {
          var keep = doc.createElement('input');
          keep.type = 'hidden';
          keep.name = 'keep_others';
          keep.value = '1';
          form.appendChild(keep);
        }
        return Promise.all([Q.all('saved'), g.caches ? caches.keys() : []]).then(function (r) {
          return Promise.all(r[1].filter(function (k) { return k.indexOf('binhdan-') === 0; }).map(function (k) { return caches.delete(k); })
            .concat(mine.map(function (x) { return Q.del('queue', x.id); }))
            .concat(r[0].map(function (s) { return Q.del('saved', s.module); }))
            .concat([Q.del('me', 'me')]));
        }).then(function () { form.submit(); }, function () { form.submit(); });
      }).catch(function () {
        form.binhdanAsked = true;
        form.submit();
      });
    });
  });

  // A village team member's attendance and visits: sent as forms when the network answers;
  // queued when it does not (offline, or the POST failed on the way), each under an id made
  // here (the action's `op`: sent twice, it counts once), then sent with the queue.
  function teamForm(form, kind) {
    var clicked = null;
    form.querySelectorAll('button[type=submit][name]').forEach(function (b) {
      b.addEventListener('click', function () { clicked = b; });
    });
    function fields() {
      var out = [];
      new FormData(form).forEach(function (v, k) {
        if (k !== 'csrf' && k !== 'op' && String(v) !== '') out.push([k, String(v)]);
      });
      if (clicked) out.push([clicked.name, clicked.value]);
      return out;
    }
    // What the member sees in the list of what waits: a name, never a whole number.
    function label(f) {
      var get = function (k) { var x = f.filter(function (p) { return p[0] === k; })[0]; return x ? x[1] : ''; };
      if (kind === 'visit') return t('kind-visit') + ' ' + doc.querySelector('h1').textContent;
      var name = '';
      var select = form.querySelector('select[name=person]');
      if (get('card')) name = (get('card').split('|')[2] || '').trim();
      else if (get('identity')) name = t('someone').replace('%s', get('identity').replace(/\D/g, '').slice(-3));
      else if (select && select.selectedIndex > 0) name = select.options[select.selectedIndex].text;
      return t('kind-attend') + ': ' + (name || '?');
    }
    function queueIt() {
      var f = fields();
      var wire = { fields: f };
      if (kind === 'visit') wire.village = form.getAttribute('action').split('/')[3];
      else wire['class'] = Number(form.getAttribute('action').split('/')[3]);
      var text = label(f);
      return Q.add(who, kind, wire, text).then(function () {
        // The page's status line (above the form) says it is saved, and how many wait.
        return show().then(function () {
          if (kind === 'attend') {
            // Ready for the next person; the list shows who waits to be sent.
            form.reset();
            var list = doc.getElementById('bd-waiting');
            if (!list) {
              list = doc.createElement('ol');
              list.id = 'bd-waiting';
              form.appendChild(list);
            }
            var item = doc.createElement('li');
            item.textContent = text.replace(t('kind-attend') + ': ', '') + ' — ' + t('waiting');
            list.appendChild(item);
          } else {
            Array.prototype.forEach.call(form.elements, function (x) { x.disabled = true; });
          }
          var status = doc.getElementById('bd-status');
          if (status) status.scrollIntoView({ block: 'center' });
          later();
        });
      });
    }
    form.addEventListener('submit', function (e) {
      if (!who || !who.staff || !g.URLSearchParams) return;
      e.preventDefault();
      var submitter = clicked;
      clicked = null;
      if (navigator.onLine === false) { clicked = submitter; return queueIt().then(function () { clicked = null; }); }
      var body = new URLSearchParams(new FormData(form));
      if (submitter) body.append(submitter.name, submitter.value);
      fetch(form.action, { method: 'POST', credentials: 'same-origin', body: body })
        .then(function (r) {
          if (r.redirected) { g.location.href = r.url; return; }
          // A refusal: the server's page says why (the same op: it counts once at most).
          if (submitter) {
            var h = doc.createElement('input');
            h.type = 'hidden';
            h.name = submitter.name;
            h.value = submitter.value;
            form.appendChild(h);
          }
          form.submit();
        }, function () { clicked = submitter; return queueIt().then(function () { clicked = null; }); });
    });
  }
  doc.querySelectorAll('form[action$="/diem-danh"]').forEach(function (f) { teamForm(f, 'attend'); });
  doc.querySelectorAll('form[action$="/tham"]').forEach(function (f) { teamForm(f, 'visit'); });

  // The certification exam needs the server throughout: offline, its page says so, and an
  // answer is not sent into the void (the browser's own error page) but kept on the form.
  var examNote = doc.getElementById('bd-exam-offline');
  if (examNote) {
    var examOnline = function () { examNote.hidden = navigator.onLine !== false; };
    g.addEventListener('online', examOnline);
    g.addEventListener('offline', examOnline);
    examOnline();
    doc.querySelectorAll('form[action^="/hoc/thi"]').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        if (navigator.onLine !== false) return;
        e.preventDefault();
        examNote.hidden = false;
        examNote.scrollIntoView({ block: 'center' });
      });
    });
  }

  // A lesson once opened reads offline with its images, even those not yet scrolled to.
  if ('serviceWorker' in navigator && navigator.serviceWorker.controller) {
    doc.querySelectorAll('#lesson-text img').forEach(function (img) {
      fetch(img.currentSrc || img.src, { credentials: 'same-origin' }).catch(function () {});
    });
  }

  g.addEventListener('online', send);
  g.addEventListener('offline', show);
  g.addEventListener('binhdan-queue', show);
  if (who) Q.put('me', who).then(send);
  else show();
})(self);
