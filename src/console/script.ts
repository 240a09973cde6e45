/**
 * The console's only client script (served from /console/assets/console.js): the live migration
 * view. It polls the JSON endpoint named by `data-src` on the `[data-live]` element and redraws the
 * timeline, the progress bar, the SVG chart of the data migrated, the A/B split and error rates, and
 * shows only the steering buttons the party may use in the current state. It builds the DOM
 * with textContent/setAttribute only (no HTML strings), so data can never become markup.
 */
export const SCRIPT = `'use strict';
(function () {
  var root = document.querySelector('[data-live]');
  if (!root) return;
  var src = root.getAttribute('data-src');
  var interval = Number(root.getAttribute('data-interval')) || 1000;
  var NS = 'http://www.w3.org/2000/svg';
  var W = 640, H = 240, L = 44, R = 48, T = 12, B = 26;
  var samples = [];
  var timer = null;

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) node.setAttribute(k, String(attrs[k]));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function pct(v) { return Math.round(v * 1000) / 10 + '%'; }

  function merge(list) {
    var seen = {};
    samples.forEach(function (s) { seen[s.at] = true; });
    list.forEach(function (s) { if (!seen[s.at]) { samples.push(s); seen[s.at] = true; } });
    samples.sort(function (a, b) { return a.at - b.at; });
    if (samples.length > 600) samples = samples.slice(samples.length - 600);
  }

  function draw(svg) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var pw = W - L - R, ph = H - T - B;
    var t0 = samples.length ? samples[0].at : Date.now();
    var t1 = samples.length ? samples[samples.length - 1].at : t0;
    if (t1 - t0 < 10000) t1 = t0 + 10000;
    var maxErr = 0.1;
    var traffic = samples.some(function (s) { return s.weightB !== null && s.weightB !== undefined; });
    samples.forEach(function (s) { maxErr = Math.max(maxErr, (s.errorRateA || 0) * 1.2, (s.errorRateB || 0) * 1.2); });
    function x(t) { return L + ((t - t0) / (t1 - t0)) * pw; }
    function y(v) { return T + (1 - v) * ph; }
    function ye(v) { return T + (1 - v / maxErr) * ph; }
    [0, 0.25, 0.5, 0.75, 1].forEach(function (v) {
      svg.appendChild(el('line', { x1: L, x2: L + pw, y1: y(v), y2: y(v), class: 'axis' }));
      svg.appendChild(el('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, Math.round(v * 100) + '%'));
      if (traffic) svg.appendChild(el('text', { x: L + pw + 6, y: y(v) + 4 }, pct(v * maxErr)));
    });
    svg.appendChild(el('text', { x: L, y: H - 6 }, new Date(t0).toISOString().slice(11, 19)));
    svg.appendChild(el('text', { x: L + pw, y: H - 6, 'text-anchor': 'end' }, new Date(t1).toISOString().slice(11, 19)));
    if (!samples.length) {
      svg.appendChild(el('text', { x: L + pw / 2, y: T + ph / 2, 'text-anchor': 'middle' }, 'Waiting for data…'));
      return;
    }
    function path(pick, scale) {
      var d = '';
      samples.forEach(function (s) {
        var v = pick(s);
        if (v === null || v === undefined) return;
        d += (d ? 'L' : 'M') + x(s.at).toFixed(1) + ',' + scale(v).toFixed(1);
      });
      return d;
    }
    var migrated = path(function (s) { return s.migrated; }, y);
    var first = samples[0], last = samples[samples.length - 1];
    svg.appendChild(el('path', { d: migrated + 'L' + x(last.at).toFixed(1) + ',' + y(0) + 'L' + x(first.at).toFixed(1) + ',' + y(0) + 'Z', fill: '#2458d6', 'fill-opacity': 0.12, stroke: 'none' }));
    svg.appendChild(el('path', { d: migrated, fill: 'none', stroke: '#2458d6', 'stroke-width': 2.5, 'data-series': 'migrated' }));
    if (traffic) {
      svg.appendChild(el('path', { d: path(function (s) { return s.weightB === null ? null : 1 - s.weightB; }, y), fill: 'none', stroke: '#6b7b93', 'stroke-width': 2, 'data-series': 'share-a' }));
      svg.appendChild(el('path', { d: path(function (s) { return s.weightB; }, y), fill: 'none', stroke: '#17803d', 'stroke-width': 2, 'data-series': 'share-b' }));
      svg.appendChild(el('path', { d: path(function (s) { return s.errorRateA; }, ye), fill: 'none', stroke: '#e08a8e', 'stroke-width': 1.5, 'stroke-dasharray': '4 3', 'data-series': 'errors-a' }));
      svg.appendChild(el('path', { d: path(function (s) { return s.errorRateB; }, ye), fill: 'none', stroke: '#c0262d', 'stroke-width': 1.5, 'stroke-dasharray': '4 3', 'data-series': 'errors-b' }));
    }
    svg.setAttribute('data-samples', String(samples.length));
    svg.setAttribute('data-migrated', String(last.migrated));
    if (traffic) svg.setAttribute('data-weight-b', String(last.weightB));
    svg.setAttribute('aria-label', 'Data migrated: ' + pct(last.migrated) + (traffic ? '; sessions on platform B: ' + pct(last.weightB) + '; error rates A ' + pct(last.errorRateA || 0) + ', B ' + pct(last.errorRateB || 0) : ''));
  }

  function timeline(list, events) {
    while (list.firstChild) list.removeChild(list.firstChild);
    events.forEach(function (e) {
      var li = document.createElement('li');
      var at = document.createElement('div');
      at.className = 'at';
      at.textContent = new Date(e.at).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' + (e.by ? ' · ' + e.by : '');
      var what = document.createElement('div');
      what.textContent = e.label;
      li.appendChild(at);
      li.appendChild(what);
      list.appendChild(li);
    });
  }

  function render(data) {
    merge(data.samples || []);
    var svg = root.querySelector('svg.chart');
    if (svg) draw(svg);
    var list = root.querySelector('.timeline');
    if (list) timeline(list, data.events || []);
    var state = root.querySelector('[data-field=state]');
    if (state) state.textContent = data.state;
    var bar = root.querySelector('progress');
    if (bar) bar.value = data.progress;
    var label = root.querySelector('[data-field=progress]');
    if (label) label.textContent = data.progress + '%';
    var deployment = root.querySelector('[data-field=deployment]');
    if (deployment) deployment.textContent = data.deployment;
    var traffic = root.querySelector('[data-field=traffic]');
    if (traffic) traffic.textContent = data.traffic;
    root.querySelectorAll('button[data-step]').forEach(function (button) {
      var form = button.closest('form');
      if (form) form.hidden = (data.steps || []).indexOf(button.getAttribute('data-step')) < 0;
    });
    root.setAttribute('data-state', data.state);
    if (data.terminal && timer) { clearInterval(timer); timer = null; }
  }

  function poll() {
    fetch(src, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) {
        if (res.status === 401) { window.location.assign('/console/sign-in'); return null; }
        return res.ok ? res.json() : null;
      })
      .then(function (data) { if (data) render(data); })
      .catch(function () { /* a missed poll is retried on the next tick */ });
  }

  poll();
  timer = setInterval(poll, interval);
})();
`;
