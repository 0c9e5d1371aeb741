// Vitrine staff pages: authority pickers, repeatable form rows, and the language switch's
// return path. Progressive: every form still submits without this script.
(function () {
  'use strict';

  function debounce(fn, ms) {
    let t;
    return function () { const a = arguments; clearTimeout(t); t = setTimeout(() => fn.apply(null, a), ms); };
  }

  // Pickers: type to search an authority list, click (or Enter) to choose.
  function setupPicker(p) {
    const q = p.querySelector('.picker-q');
    const list = p.querySelector('.picker-results');
    if (!q || !list || p.dataset.ready) return;
    p.dataset.ready = '1';
    const multi = p.classList.contains('multi');
    const hidden = multi ? null : p.querySelector('input[type=hidden]');
    const search = debounce(async function () {
      const params = new URLSearchParams({ q: q.value });
      if (p.dataset.vocabulary) params.set('vocabulary', p.dataset.vocabulary);
      const r = await fetch('/staff/pick/' + p.dataset.kind + '?' + params, { headers: { 'HX-Request': 'true' } });
      list.innerHTML = r.ok ? await r.text() : '';
      q.setAttribute('aria-expanded', list.children.length ? 'true' : 'false');
    }, 200);
    q.addEventListener('input', function () {
      if (!multi && q.value.trim() === '' && hidden) hidden.value = '';
      search();
    });
    q.addEventListener('focus', search);
    q.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { const b = list.querySelector('button'); if (b) { e.preventDefault(); b.focus(); } }
      if (e.key === 'Escape') { list.innerHTML = ''; }
    });
    list.addEventListener('keydown', function (e) {
      const li = e.target.closest('li');
      if (e.key === 'ArrowDown' && li && li.nextElementSibling) { e.preventDefault(); li.nextElementSibling.querySelector('button').focus(); }
      if (e.key === 'ArrowUp') { e.preventDefault(); if (li && li.previousElementSibling) li.previousElementSibling.querySelector('button').focus(); else q.focus(); }
      if (e.key === 'Escape') { list.innerHTML = ''; q.focus(); }
    });
    list.addEventListener('click', function (e) {
      const b = e.target.closest('button.pick');
      if (!b) return;
      if (multi) {
        const chips = p.querySelector('.chips');
        if (!chips.querySelector('input[value="' + b.dataset.id + '"]')) {
          const chip = document.createElement('span');
          chip.className = 'chip';
          const input = document.createElement('input');
          input.type = 'hidden'; input.name = p.dataset.name; input.value = b.dataset.id;
          const x = document.createElement('button');
          x.type = 'button'; x.className = 'chip-x'; x.textContent = '×'; x.setAttribute('aria-label', '×');
          chip.append(input, document.createTextNode(b.dataset.label + ' '), x);
          chips.appendChild(chip);
        }
        q.value = '';
      } else {
        hidden.value = b.dataset.id;
        q.value = b.dataset.label;
      }
      list.innerHTML = '';
      q.setAttribute('aria-expanded', 'false');
      q.focus();
    });
    p.addEventListener('click', function (e) {
      if (e.target.classList.contains('chip-x')) e.target.closest('.chip').remove();
    });
    document.addEventListener('click', function (e) { if (!p.contains(e.target)) list.innerHTML = ''; });
  }

  // Repeatable rows: clone the group's <template>, numbering the new row after the last.
  function setupRows(group) {
    const tpl = group.querySelector('template');
    const add = group.querySelector('.row-add');
    if (!tpl || !add || group.dataset.ready) return;
    group.dataset.ready = '1';
    let next = 0;
    group.querySelectorAll('[name]').forEach(function (el) {
      const m = el.name.match(/\[(\d+)\]/);
      if (m) next = Math.max(next, Number(m[1]) + 1);
    });
    add.addEventListener('click', function () {
      const html = tpl.innerHTML.replace(/__i__/g, String(next++));
      const holder = document.createElement('div');
      holder.innerHTML = html;
      const row = holder.firstElementChild;
      group.insertBefore(row, tpl);
      row.querySelectorAll('.picker').forEach(setupPicker);
      const first = row.querySelector('input:not([type=hidden]), select');
      if (first) first.focus();
    });
    group.addEventListener('click', function (e) {
      if (e.target.classList.contains('row-remove')) e.target.closest('.row').remove();
    });
  }

  // The error summary of a refused save: each entry takes the person to its field.
  function setupErrorSummary(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = '1';
    box.addEventListener('click', function (e) {
      const a = e.target.closest('a[data-field]');
      if (!a) return;
      const field = document.querySelector('[name="' + CSS.escape(a.dataset.field) + '"]:not([type=hidden])') ||
        document.querySelector('[name^="' + CSS.escape(a.dataset.field) + '"]:not([type=hidden])');
      if (field) { e.preventDefault(); field.focus(); }
    });
    box.setAttribute('tabindex', '-1');
    box.focus();
  }

  // Copy buttons: a secret shown once is copied without selecting it by hand.
  function setupCopy(btn) {
    if (btn.dataset.ready) return;
    btn.dataset.ready = '1';
    btn.hidden = false;
    btn.addEventListener('click', async function () {
      const target = document.getElementById(btn.dataset.copy);
      if (!target) return;
      try {
        await navigator.clipboard.writeText(target.textContent.trim());
      } catch (_) {
        const r = document.createRange(); r.selectNodeContents(target);
        const s = getSelection(); s.removeAllRanges(); s.addRange(r); document.execCommand('copy');
      }
      btn.textContent = btn.dataset.done;
    });
  }

  function init(root) {
    root.querySelectorAll('.error-summary').forEach(setupErrorSummary);
    root.querySelectorAll('button[data-copy]').forEach(setupCopy);
    root.querySelectorAll('.picker').forEach(setupPicker);
    root.querySelectorAll('.rows').forEach(setupRows);
    root.querySelectorAll('.lang-switch input[name=back]').forEach(function (i) { i.value = location.pathname + location.search; });
  }

  document.addEventListener('DOMContentLoaded', function () { init(document); });
  document.addEventListener('htmx:afterSwap', function (e) { init(e.target); });
})();

// Jobs: the rows follow the workers' progress (server-sent events); a job's own page
// reloads when the job ends, to show its result and log.
(function () {
  const table = document.getElementById('jobs');
  if (!table || !table.dataset.events || !window.EventSource) return;
  const body = table.querySelector('tbody');
  const live = document.getElementById('jobs-live');
  const es = new EventSource(table.dataset.events);
  es.addEventListener('open', function () { if (live) live.hidden = false; });
  es.addEventListener('error', function () { if (live) live.hidden = true; });
  es.addEventListener('rows', function (ev) {
    const running = body.querySelector('tr[data-finished="false"]') !== null;
    body.innerHTML = ev.data;
    table.dataset.updated = String(Date.now());
    const still = body.querySelector('tr[data-finished="false"]') !== null;
    if (table.hasAttribute('data-reload-when-done') && running && !still) {
      es.close();
      window.location.reload();
    }
  });
})();
