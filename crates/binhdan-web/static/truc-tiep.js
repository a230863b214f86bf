// The live screen: the figures follow the server's events (Server-Sent Events, which the
// browser reconnects by itself). Without this script the page shows the figures as loaded.
(function () {
  'use strict';
  var root = document.getElementById('live');
  if (!root || !window.EventSource) return;
  var labels = {};
  root.getAttribute('data-groups').split('\n').forEach(function (line) {
    var i = line.indexOf('=');
    if (i > 0) labels[line.slice(0, i)] = line.slice(i + 1);
  });
  var locale = root.getAttribute('data-locale');
  var state = document.getElementById('live-state');
  function fmt(n) { return Number(n).toLocaleString(locale); }
  function set(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }
  function cell(tag, text, cls) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  }
  var feed = new EventSource(root.getAttribute('data-feed'));
  feed.addEventListener('live', function (e) {
    var d = JSON.parse(e.data);
    set('participants', fmt(d.participants));
    set('expected', fmt(d.expected));
    set('connected', fmt(d.connected));
    set('points', fmt(d.points));
    var groups = document.getElementById('groups');
    groups.textContent = '';
    d.groups.forEach(function (g) {
      var li = document.createElement('li');
      li.setAttribute('data-group', g[0]);
      li.appendChild(document.createTextNode((labels[g[0]] || g[0]) + ': '));
      li.appendChild(cell('strong', fmt(g[1])));
      groups.appendChild(li);
    });
    var body = document.getElementById('communes');
    body.textContent = '';
    d.communes.forEach(function (c) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-code', c.code);
      var th = cell('th', c.name);
      th.scope = 'row';
      tr.appendChild(th);
      // The commune's bar: participants against those expected.
      var ns = 'http://www.w3.org/2000/svg';
      var svg = document.createElementNS(ns, 'svg');
      svg.setAttribute('class', 'bar');
      svg.setAttribute('viewBox', '0 0 100 10');
      svg.setAttribute('preserveAspectRatio', 'none');
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', fmt(c.participants) + ' / ' + fmt(c.expected));
      [['100', '#e6e6e6'], [String(c.expected ? Math.min(100, Math.floor(c.participants * 100 / c.expected)) : 0), '#1a6b2a']].forEach(function (r) {
        var rect = document.createElementNS(ns, 'rect');
        rect.setAttribute('width', r[0]);
        rect.setAttribute('height', '10');
        rect.setAttribute('fill', r[1]);
        svg.appendChild(rect);
      });
      var bar = document.createElement('td');
      bar.className = 'bar-cell';
      bar.appendChild(svg);
      tr.appendChild(bar);
      tr.appendChild(cell('td', fmt(c.connected) + ' / ' + fmt(c.points), 'num'));
      tr.appendChild(cell('td', fmt(c.participants), 'num'));
      tr.appendChild(cell('td', fmt(c.expected), 'num'));
      body.appendChild(tr);
    });
    state.textContent = root.getAttribute('data-live');
  });
  feed.onerror = function () { state.textContent = root.getAttribute('data-lost'); };
})();
