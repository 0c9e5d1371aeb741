// Environment pages: the overview refreshed by server-sent events, and charts (ECharts)
// whose resolution the server picks for the range shown: zooming asks for the new range.
(function () {
  'use strict';

  // ---- overview: live values ----
  const grid = document.getElementById('env-grid');
  if (grid && window.EventSource) {
    const live = document.getElementById('env-live');
    const es = new EventSource('/staff/environment/events');
    es.addEventListener('open', function () { if (live) live.hidden = false; });
    es.addEventListener('error', function () { if (live) live.hidden = true; });
    es.addEventListener('overview', function (ev) {
      let spaces;
      try { spaces = JSON.parse(ev.data); } catch (e) { return; }
      grid.dataset.updated = String(Date.now());
      spaces.forEach(function (s) {
        const card = grid.querySelector('[data-location="' + s.location_id + '"]');
        if (!card) return;
        card.className = card.className.replace(/state-\w+/, 'state-' + s.state);
        s.sensors.forEach(function (se) {
          const li = card.querySelector('[data-sensor="' + se.id + '"]');
          if (!li) return;
          se.values.forEach(function (m) {
            if (m.metric === 'battery' || m.metric === 'ageing_rate') return;
            let el = li.querySelector('.v[data-metric="' + m.metric + '"]');
            if (!el) {
              el = document.createElement('span');
              el.dataset.metric = m.metric;
              li.querySelector('.env-values').appendChild(el);
            }
            el.className = 'v' + (m.in_range === true ? ' in' : m.in_range === false ? ' out' : '');
            el.textContent = m.value.toFixed(1) + '\u202f' + m.unit;
          });
        });
      });
    });
  }

  // ---- charts ----
  const box = document.getElementById('env-chart');
  if (!box) return;
  function start() {
    if (!window.echarts) { setTimeout(start, 50); return; }
    setupChart(box);
  }
  document.readyState === 'loading' ? document.addEventListener('DOMContentLoaded', start) : start();

  function setupChart(el) {
    const chart = window.echarts.init(el, null, { renderer: 'canvas' });
    const metricSel = document.getElementById('env-metric');
    const status = document.getElementById('env-status');
    const csv = document.getElementById('env-csv');
    const backBtn = document.getElementById('env-back');
    const target = JSON.parse(el.dataset.target || '{}');
    const zh = (el.dataset.lang || '').indexOf('zh') === 0;
    const stack = [];
    let range = { from: Date.now() - 86400000, to: Date.now() };
    let seq = 0;

    function resLabel(r) { return el.dataset['res' + r.charAt(0).toUpperCase() + r.slice(1)] || r; }
    function fmt(ms) { return new Date(ms).toLocaleString(zh ? 'zh-CN' : 'en-GB', { hour12: false }); }

    async function load() {
      const my = ++seq;
      const metric = metricSel.value;
      const q = new URLSearchParams({ metric: metric, from: String(Math.floor(range.from)), to: String(Math.ceil(range.to)) });
      csv.href = el.dataset.url + '.csv?' + q;
      status.textContent = '…';
      const r = await fetch(el.dataset.url + '?' + q, { credentials: 'same-origin' });
      if (my !== seq) return;
      if (!r.ok) { status.textContent = (await r.json().catch(() => ({}))).detail || r.statusText; return; }
      let data = await r.json();
      if (!Array.isArray(data)) data = [data];
      draw(metric, data);
    }

    function draw(metric, list) {
      const series = [];
      let res = 'raw', points = 0;
      list.forEach(function (s, i) {
        res = s.resolution; points += s.t.length;
        const band = s.resolution !== 'raw';
        if (band) {
          series.push({ name: s.sensor_code + ' min', type: 'line', stack: 'b' + i, symbol: 'none', lineStyle: { opacity: 0 },
            data: s.t.map((t, j) => [t, s.min[j]]), tooltip: { show: false }, silent: true });
          series.push({ name: s.sensor_code + ' max', type: 'line', stack: 'b' + i, symbol: 'none', lineStyle: { opacity: 0 },
            areaStyle: { opacity: 0.18 }, data: s.t.map((t, j) => [t, s.max[j] - s.min[j]]), tooltip: { show: false }, silent: true });
        }
        series.push({ name: s.sensor_code, type: 'line', symbol: 'none', sampling: 'lttb', data: s.t.map((t, j) => [t, s.v[j]]) });
      });
      const tr = target[metric];
      if (tr && series.length) {
        const last = series[series.length - 1];
        last.markArea = { silent: true, itemStyle: { color: 'rgba(47,107,58,0.08)' }, label: { show: false },
          data: [[{ yAxis: tr.min == null ? -1e9 : tr.min, name: el.dataset.targetLabel }, { yAxis: tr.max == null ? 1e9 : tr.max }]] };
      }
      const unit = (metricSel.selectedOptions[0] || {}).dataset ? metricSel.selectedOptions[0].dataset.unit : '';
      chart.setOption({
        animation: false,
        grid: { left: 56, right: 24, top: 36, bottom: 70 },
        legend: { top: 4, data: list.map(s => s.sensor_code) },
        tooltip: { trigger: 'axis', valueFormatter: v => (v == null ? '' : Number(v).toFixed(2) + ' ' + unit) },
        xAxis: { type: 'time', min: range.from, max: range.to },
        // Keep the target band in view, so it shows how far outside a space went.
        yAxis: { type: 'value', scale: true, name: unit,
          min: v => (tr && tr.min != null ? Math.floor(Math.min(v.min, tr.min)) : undefined),
          max: v => (tr && tr.max != null ? Math.ceil(Math.max(v.max, tr.max)) : undefined) },
        dataZoom: [{ type: 'inside', filterMode: 'none' }, { type: 'slider', filterMode: 'none', height: 22, bottom: 12 }],
        series: series
      }, { notMerge: true });
      status.textContent = points === 0 ? el.dataset.empty
        : resLabel(res) + ' · ' + points.toLocaleString() + ' · ' + fmt(range.from) + ' – ' + fmt(range.to) + ' · ' + el.dataset.zoomHint;
    }

    // Zoom = a new range; the server sends finer data for it.
    let zoomTimer;
    chart.on('datazoom', function () {
      clearTimeout(zoomTimer);
      zoomTimer = setTimeout(function () {
        const dz = chart.getOption().dataZoom[0];
        const span = range.to - range.from;
        const from = range.from + span * (dz.start / 100), to = range.from + span * (dz.end / 100);
        if (to - from < 60000 || (dz.start === 0 && dz.end === 100)) return;
        stack.push(range); backBtn.disabled = false;
        range = { from: from, to: to };
        load();
      }, 400);
    });
    backBtn.addEventListener('click', function () {
      if (!stack.length) return;
      range = stack.pop(); backBtn.disabled = stack.length === 0; load();
    });
    document.querySelectorAll('.env-ranges [data-range]').forEach(function (b) {
      b.addEventListener('click', function () {
        document.querySelectorAll('.env-ranges [data-range]').forEach(x => x.setAttribute('aria-pressed', 'false'));
        b.setAttribute('aria-pressed', 'true');
        stack.length = 0; backBtn.disabled = true;
        const now = Date.now();
        range = { from: now - Number(b.dataset.range), to: now };
        load();
      });
    });
    metricSel.addEventListener('change', load);
    window.addEventListener('resize', () => chart.resize());
    // Live: when new readings arrive and the chart ends at "now", move the window along.
    if (window.EventSource) {
      const es = new EventSource('/staff/environment/events');
      es.addEventListener('overview', function () {
        const now = Date.now();
        if (stack.length === 0 && now - range.to < 10 * 60000) {
          const span = range.to - range.from;
          range = { from: now - span, to: now };
          el.dataset.updated = String(now);
          load();
        }
      });
    }
    load();
  }
})();

// Logger files: preview what the server reads, then import.
(function () {
  'use strict';
  const box = document.getElementById('logger-import');
  if (!box) return;
  const $ = (id) => document.getElementById(id);
  const t = (k) => box.dataset[k] || k;
  const out = $('imp-result');
  function params(preview) {
    const p = new URLSearchParams();
    if (preview) p.set('preview', 'true');
    const add = (name, id) => { const v = $(id).value.trim(); if (v) p.set(name, v); };
    add('delimiter', 'imp-delimiter'); add('decimal_comma', 'imp-decimal'); add('header_row', 'imp-header');
    add('time_format', 'imp-time-format'); add('columns', 'imp-columns'); add('utc_offset_minutes', 'imp-offset');
    return p;
  }
  function cell(tag, text) { const e = document.createElement(tag); e.textContent = text; return e; }
  function table(head, rows) {
    const tb = document.createElement('table'); tb.className = 'list';
    const tr = document.createElement('tr'); head.forEach(h => tr.appendChild(cell('th', h)));
    const th = document.createElement('thead'); th.appendChild(tr); tb.appendChild(th);
    const body = document.createElement('tbody');
    rows.forEach(r => { const row = document.createElement('tr'); r.forEach(c => row.appendChild(cell('td', c))); body.appendChild(row); });
    tb.appendChild(body); return tb;
  }
  async function send(preview) {
    const f = $('imp-file').files[0];
    if (!f) { $('imp-file').focus(); return; }
    out.textContent = '…';
    const r = await fetch(box.dataset.url + '?' + params(preview), { method: 'POST', body: await f.arrayBuffer(), credentials: 'same-origin',
      headers: { 'Content-Type': 'text/csv' } });
    const j = await r.json().catch(() => ({}));
    out.textContent = '';
    if (!r.ok) {
      const p = document.createElement('p'); p.className = 'alert'; p.setAttribute('role', 'alert');
      p.textContent = (j.errors && j.errors.length ? j.errors.map(e => e.message).join('; ') : j.detail) || r.statusText;
      out.appendChild(p); $('imp-go').disabled = true; return;
    }
    const pv = j.preview, m = pv.mapping;
    const sum = document.createElement('p'); sum.className = preview ? 'notice' : 'notice done';
    sum.textContent = t('found') + ' ' + pv.format + ' · ' + pv.rows + ' ' + t('rows') + ' · ' + pv.readings + ' ' + t('readings') +
      ' · ' + pv.rejected + ' ' + t('refused') + (preview ? '' : ' · ' + j.stored + ' ' + t('stored'));
    out.appendChild(sum);
    // Show what was detected, so it can be corrected.
    if (!$('imp-delimiter').value) $('imp-delimiter').value = m.delimiter || '';
    if (!$('imp-header').value && m.header_row) $('imp-header').value = m.header_row;
    if (!$('imp-time-format').value && m.time_format) $('imp-time-format').value = m.time_format;
    if (!$('imp-columns').value) $('imp-columns').value = m.columns.map(c => c[0] + ':' + c[1]).join(',');
    const metrics = [...new Set(pv.sample.flatMap(s => s.values.map(v => v[0])))];
    out.appendChild(table([t('line'), t('time'), ...metrics],
      pv.sample.map(s => [String(s.line), s.time, ...metrics.map(mm => { const v = s.values.find(x => x[0] === mm); return v ? String(v[1]) : ''; })])));
    if (pv.errors.length) {
      out.appendChild(table([t('line'), t('reason')], pv.errors.map(e => [String(e.line), e.reason])));
    }
    $('imp-go').disabled = !preview || pv.readings === 0;
  }
  $('imp-preview').addEventListener('click', () => send(true));
  $('imp-go').addEventListener('click', () => send(false));
})();
