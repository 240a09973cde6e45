/**
 * The console's only client script (served from /console/assets/console.js).
 *
 * The live migration view polls the JSON endpoint named by `data-src` on the `[data-live]` element
 * and redraws the timeline, the progress bar, the SVG chart and the steering and schedule buttons
 * the party may use in the current state. The chart draws the migration's timeline as the API keeps
 * it (GET /v1/migrations/{id}/timeline), so a reload loses nothing and a finished migration shows its
 * whole history. It builds the DOM with textContent/setAttribute only (no HTML strings), so data can
 * never become markup.
 *
 * `[data-copy]` buttons copy the text of the element their attribute names (hardware IDs).
 */
export const SCRIPT = `'use strict';
(function () {
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var source = document.getElementById(button.getAttribute('data-copy'));
      if (!source) return;
      var text = source.value !== undefined ? source.value : source.textContent;
      var done = function () {
        var label = button.textContent;
        button.textContent = 'Copied';
        button.setAttribute('data-copied', 'true');
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, function () {});
    });
  });

  var root = document.querySelector('[data-live]');
  if (!root) return;
  var src = root.getAttribute('data-src');
  var interval = Number(root.getAttribute('data-interval')) || 1000;
  var NS = 'http://www.w3.org/2000/svg';
  var W = 640, H = 268, L = 44, R = 48, T = 40, B = 26;
  var COLORS = { migrated: '#2458d6', a: '#6b7b93', b: '#17803d', errorsA: '#e08a8e', errorsB: '#c0262d' };
  var timer = null;

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) node.setAttribute(k, String(attrs[k]));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function pct(v) { return Math.round(v * 1000) / 10 + '%'; }

  function legend(svg, names, traffic) {
    var items = [['Data migrated', COLORS.migrated, false]];
    if (traffic) {
      items.push(['Sessions on A · ' + names.a, COLORS.a, false], ['Sessions on B · ' + names.b, COLORS.b, false]);
      items.push(['Failures A', COLORS.errorsA, true], ['Failures B', COLORS.errorsB, true]);
    }
    var g = el('g', { class: 'legend', 'data-legend': items.length });
    var x = L, row = 0;
    items.forEach(function (item) {
      var width = 28 + item[0].length * 5.8;
      if (x + width > W - 8 && x > L) { x = L; row++; }
      var y = 12 + row * 14;
      g.appendChild(el('line', { x1: x, x2: x + 16, y1: y - 4, y2: y - 4, stroke: item[1], 'stroke-width': 3, 'stroke-dasharray': item[2] ? '4 3' : 'none' }));
      g.appendChild(el('text', { x: x + 20, y: y }, item[0]));
      x += width;
    });
    svg.appendChild(g);
  }

  function draw(svg, data) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var points = data.points || [];
    var pw = W - L - R, ph = H - T - B;
    var t0 = points.length ? points[0].at : data.now;
    var t1 = data.terminal && points.length ? points[points.length - 1].at : data.now;
    if (t1 - t0 < 10000) t1 = t0 + 10000;
    var traffic = points.some(function (p) { return p.shareB !== null; });
    var maxErr = 0.1;
    points.forEach(function (p) { maxErr = Math.max(maxErr, (p.errorRateA || 0) * 1.2, (p.errorRateB || 0) * 1.2); });
    function x(t) { return L + ((t - t0) / (t1 - t0)) * pw; }
    function y(v) { return T + (1 - v) * ph; }
    function ye(v) { return T + (1 - v / maxErr) * ph; }
    legend(svg, data.names || { a: 'A', b: 'B' }, traffic);
    [0, 0.25, 0.5, 0.75, 1].forEach(function (v) {
      svg.appendChild(el('line', { x1: L, x2: L + pw, y1: y(v), y2: y(v), class: 'axis' }));
      svg.appendChild(el('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, Math.round(v * 100) + '%'));
      if (traffic) svg.appendChild(el('text', { x: L + pw + 6, y: y(v) + 4 }, pct(v * maxErr)));
    });
    svg.appendChild(el('text', { x: L, y: H - 6 }, new Date(t0).toISOString().slice(11, 19)));
    svg.appendChild(el('text', { x: L + pw, y: H - 6, 'text-anchor': 'end' }, new Date(t1).toISOString().slice(11, 19)));
    svg.setAttribute('data-points', String(points.length));
    if (!points.length) {
      svg.appendChild(el('text', { x: L + pw / 2, y: T + ph / 2, 'text-anchor': 'middle' }, 'Waiting for data…'));
      return;
    }
    // Every series is a step function: a value holds until the next point, the last one until the end.
    function path(pick, scale) {
      var d = '', prev = null;
      points.forEach(function (p) {
        var v = pick(p);
        if (v === null || v === undefined) { prev = null; return; }
        if (prev === null) d += 'M' + x(p.at).toFixed(1) + ',' + scale(v).toFixed(1);
        else d += 'H' + x(p.at).toFixed(1) + 'V' + scale(v).toFixed(1);
        prev = v;
      });
      if (prev !== null) d += 'H' + x(t1).toFixed(1);
      return d;
    }
    var migrated = path(function (p) { return p.migrated; }, y);
    svg.appendChild(el('path', { d: migrated + 'V' + y(0) + 'H' + x(t0).toFixed(1) + 'Z', fill: COLORS.migrated, 'fill-opacity': 0.12, stroke: 'none' }));
    var last = points[points.length - 1];
    // B's share under the data migrated, drawn wider: where B follows the data both stay visible.
    if (traffic) {
      svg.appendChild(el('path', { d: path(function (p) { return 1 - (p.shareB || 0); }, y), fill: 'none', stroke: COLORS.a, 'stroke-width': 2, 'data-series': 'share-a' }));
      svg.appendChild(el('path', { d: path(function (p) { return p.shareB; }, y), fill: 'none', stroke: COLORS.b, 'stroke-width': 5, 'stroke-opacity': 0.75, 'data-series': 'share-b' }));
      svg.appendChild(el('path', { d: path(function (p) { return p.errorRateA; }, ye), fill: 'none', stroke: COLORS.errorsA, 'stroke-width': 1.5, 'stroke-dasharray': '4 3', 'data-series': 'errors-a' }));
      svg.appendChild(el('path', { d: path(function (p) { return p.errorRateB; }, ye), fill: 'none', stroke: COLORS.errorsB, 'stroke-width': 1.5, 'stroke-dasharray': '4 3', 'data-series': 'errors-b' }));
      svg.setAttribute('data-weight-b', String(last.shareB === null ? 0 : last.shareB));
    }
    svg.appendChild(el('path', { d: migrated, fill: 'none', stroke: COLORS.migrated, 'stroke-width': 2, 'data-series': 'migrated' }));
    points.forEach(function (p, i) {
      if (p.state !== 'completed' || (i > 0 && points[i - 1].state === 'completed')) return;
      svg.appendChild(el('line', { x1: x(p.at), x2: x(p.at), y1: T, y2: T + ph, stroke: COLORS.b, 'stroke-dasharray': '2 3', 'data-marker': 'cutover' }));
      svg.appendChild(el('text', { x: x(p.at) - 4, y: T + 12, 'text-anchor': 'end' }, 'cutover: B serves every session'));
    });
    svg.setAttribute('data-migrated', String(last.migrated));
    svg.setAttribute('aria-label', 'Data migrated: ' + pct(last.migrated) + (traffic ? '; sessions on platform B: ' + pct(last.shareB || 0) : ''));
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

  function show(selector, attribute, allowed) {
    root.querySelectorAll(selector).forEach(function (button) {
      var form = button.closest('form');
      if (form) form.hidden = (allowed || []).indexOf(button.getAttribute(attribute)) < 0;
    });
  }

  function render(data) {
    var svg = root.querySelector('svg.chart');
    if (svg) draw(svg, data);
    var list = root.querySelector('.timeline');
    if (list) timeline(list, data.events || []);
    var fields = { state: data.state, progress: data.progress + '%', deployment: data.deployment, traffic: data.traffic };
    for (var name in fields) {
      var field = root.querySelector('[data-field=' + name + ']');
      if (field) field.textContent = fields[name];
    }
    var bar = root.querySelector('progress');
    if (bar) bar.value = data.progress;
    show('button[data-step]', 'data-step', data.steps);
    show('button[data-schedule]', 'data-schedule', data.scheduleActions);
    var schedule = root.querySelector('[data-schedule-section]');
    if (schedule) schedule.hidden = Boolean(data.terminal);
    var setter = root.querySelector('[data-schedule-form]');
    if (setter) setter.hidden = (data.scheduleActions || []).indexOf('set') < 0;
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
