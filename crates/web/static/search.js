// Suggestions as you type in the search box: objects open their page, names fill the
// box with a field query. Keyboard: arrows move, Enter picks, Escape closes.
(function () {
  const input = document.querySelector('input[data-suggest]');
  if (!input) return;
  const list = document.getElementById(input.getAttribute('aria-controls'));
  const objectBase = input.form.dataset.objects || '';
  let timer = null;
  let items = [];
  let active = -1;
  let seq = 0;

  function close() {
    list.hidden = true;
    list.innerHTML = '';
    input.setAttribute('aria-expanded', 'false');
    items = [];
    active = -1;
  }

  function choose(s) {
    if (s.kind === 'object') {
      window.location.href = objectBase + '/' + s.id;
      return;
    }
    input.value = s.query;
    close();
    input.form.submit();
  }

  function show(data) {
    items = data;
    list.innerHTML = '';
    data.forEach(function (s, i) {
      const li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.id = 's-opt-' + i;
      li.className = 'kind-' + s.kind;
      const label = document.createElement('span');
      label.textContent = s.label;
      const detail = document.createElement('small');
      detail.textContent = s.detail;
      li.append(label, ' ', detail);
      li.addEventListener('mousedown', function (e) { e.preventDefault(); choose(s); });
      list.appendChild(li);
    });
    list.hidden = data.length === 0;
    input.setAttribute('aria-expanded', data.length ? 'true' : 'false');
  }

  function highlight(i) {
    active = i;
    Array.from(list.children).forEach(function (li, k) {
      li.setAttribute('aria-selected', k === i ? 'true' : 'false');
    });
    input.setAttribute('aria-activedescendant', i >= 0 ? 's-opt-' + i : '');
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { close(); return; }
    timer = setTimeout(function () {
      const mine = ++seq;
      const url = input.dataset.suggest + '?lang=' + encodeURIComponent(input.dataset.lang) +
        '&q=' + encodeURIComponent(q);
      fetch(url, { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) { if (mine === seq) show(data); })
        .catch(function () { close(); });
    }, 120);
  });

  input.addEventListener('keydown', function (e) {
    if (list.hidden) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(Math.max(active - 1, -1)); }
    else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); choose(items[active]); }
    else if (e.key === 'Escape') { e.preventDefault(); close(); }
  });
  input.addEventListener('blur', function () { setTimeout(close, 150); });
})();
