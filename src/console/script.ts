/**
 * The console's only client script (served from /console/assets/console.js): the live migration
 * view. It polls the JSON endpoint named by `data-src` on the `[data-live]` element and redraws the
 * timeline, the progress bar and the SVG chart of the A/B split and error rates. It builds the DOM
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
    samples.forEach(function (s) { maxErr = Math.max(maxErr, s.errorRateA * 1.2, s.errorRateB * 1.2); });
    function x(t) { return L + ((t - t0) / (t1 - t0)) * pw; }
    function y(v) { return T + (1 - v) * ph; }
    function ye(v) { return T + (1 - v / maxErr) * ph; }
    [0, 0.25, 0.5, 0.75, 1].forEach(function (v) {
      svg.appendChild(el('line', { x1: L, x2: L + pw, y1: y(v), y2: y(v), class: 'axis' }));
      svg.appendChild(el('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, Math.round(v * 100) + '%'));
      svg.appendChild(el('text', { x: L + pw + 6, y: y(v) + 4 }, pct(v * maxErr)));
    });
    svg.appendChild(el('text', { x: L, y: H - 6 }, new Date(t0).toISOString().slice(11, 19)));
    svg.appendChild(el('text', { x: L + pw, y: H - 6, 'text-anchor': 'end' }, new Date(t1).toISOString().slice(11, 19)));
    if (!samples.length) {
      svg.appendChild(el('text', { x: L + pw / 2, y: T + ph / 2, 'text-anchor': 'middle' }, 'Waiting for traffic data…'));
      return;
    }
    var area = 'M' + x(samples[0].at) + ',' + y(0);
    var lineB = '', lineA = '', errA = '', errB = '';
    samples.forEach(function (s, i) {
      var p = i ? 'L' : 'M';
      area += 'L' + x(s.at) + ',' + y(s.weightB);
      lineB += p + x(s.at) + ',' + y(s.weightB);
      lineA += p + x(s.at) + ',' + y(1 - s.weightB);
      errA += p + x(s.at) + ',' + ye(s.errorRateA);
      errB += p + x(s.at) + ',' + ye(s.errorRateB);
    });
    area += 'L' + x(samples[samples.length - 1].at) + ',' + y(0) + 'Z';
    svg.appendChild(el('path', { d: area, fill: '#2458d6', 'fill-opacity': 0.15, stroke: 'none' }));
    svg.appendChild(el('path', { d: lineA, fill: 'none', stroke: '#6b7b93', 'stroke-width': 2, 'data-series': 'share-a' }));
    svg.appendChild(el('path', { d: lineB, fill: 'none', stroke: '#2458d6', 'stroke-width': 2.5, 'data-series': 'share-b' }));
    svg.appendChild(el('path', { d: errA, fill: 'none', stroke: '#e08a8e', 'stroke-width': 1.5, 'stroke-dasharray': '4 3', 'data-series': 'errors-a' }));
    svg.appendChild(el('path', { d: errB, fill: 'none', stroke: '#c0262d', 'stroke-width': 1.5, 'stroke-dasharray': '4 3', 'data-series': 'errors-b' }));
    var last = samples[samples.length - 1];
    svg.setAttribute('data-samples', String(samples.length));
    svg.setAttribute('data-weight-b', String(last.weightB));
    svg.setAttribute('aria-label', 'Share of sessions on platform B: ' + pct(last.weightB) + '; error rates A ' + pct(last.errorRateA) + ', B ' + pct(last.errorRateB));
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
