// Vitrine images: deep zoom (OpenSeadragon on IIIF), the image strip of an object, uploads
// with progress (each file sent to the API, then its pyramid followed until it is ready),
// and thumbnails that appear once their pyramid is made. Without script the upload form
// still posts and the pages still show every image's details.
(function () {
  'use strict';

  // Deep zoom: one viewer per page, opened on the first image; the strip switches it.
  function setupViewer(el) {
    if (el.dataset.wired || typeof OpenSeadragon === 'undefined') return null;
    el.dataset.wired = '1';
    const viewer = OpenSeadragon({
      element: el,
      tileSources: el.dataset.info,
      showNavigator: true,
      navigatorPosition: 'BOTTOM_RIGHT',
      showRotationControl: true,
      zoomInButton: 'dz-in',
      zoomOutButton: 'dz-out',
      homeButton: 'dz-home',
      fullPageButton: 'dz-full',
      rotateRightButton: 'dz-rotate',
      rotateLeftButton: 'dz-rotate-l',
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
      visibilityRatio: 0.5,
      maxZoomPixelRatio: 2,
      crossOriginPolicy: false,
    });
    viewer.addHandler('open', function () { el.dataset.opened = el.dataset.info; });
    viewer.addHandler('open-failed', function () { el.dataset.failed = '1'; });
    document.querySelectorAll('.strip-thumb[data-info]').forEach(function (b) {
      if (b.dataset.info === el.dataset.info) b.setAttribute('aria-pressed', 'true');
      b.addEventListener('click', function () {
        document.querySelectorAll('.strip-thumb[aria-pressed]').forEach(function (x) { x.removeAttribute('aria-pressed'); });
        b.setAttribute('aria-pressed', 'true');
        el.dataset.info = b.dataset.info;
        viewer.open(b.dataset.info);
      });
    });
    return viewer;
  }

  // Follows an image's pyramid until it is ready or failed.
  function follow(id, onChange) {
    let stopped = false;
    async function tick() {
      if (stopped) return;
      try {
        const r = await fetch('/api/v1/media/' + id, { headers: { Accept: 'application/json' } });
        if (r.ok) {
          const a = await r.json();
          onChange(a);
          if (a.status === 'ready' || a.status === 'failed') return;
        }
      } catch (e) { /* the server restarts: try again */ }
      setTimeout(tick, 1000);
    }
    tick();
    return function () { stopped = true; };
  }

  // As the server's thumb_url: an image already smaller than the box is sent as it is.
  function thumbUrl(a, px) {
    const id = a.identifier.replace(/%/g, '%25').replace(/\//g, '%2F').replace(/:/g, '%3A');
    const small = a.technical.width <= px && a.technical.height <= px;
    return '/iiif/3/' + id + '/full/' + (small ? 'max' : '!' + px + ',' + px) + '/0/default.jpg';
  }

  // Cards and strips made before their pyramid was ready.
  function setupPending(el) {
    if (el.dataset.following) return;
    el.dataset.following = '1';
    follow(el.dataset.asset, function (a) {
      if (a.status === 'processing') el.textContent = a.status + ' ' + a.progress + ' %';
      if (a.status === 'ready') {
        if (el.dataset.reload) { location.reload(); return; }
        const img = document.createElement('img');
        img.src = thumbUrl(a, 240);
        img.alt = '';
        el.replaceWith(img);
      }
      if (a.status === 'failed') el.textContent = a.status + (a.error ? ': ' + a.error : '');
    });
  }

  // Problem documents name what was wrong; show their detail.
  function problemText(xhr) {
    try {
      const p = JSON.parse(xhr.responseText);
      return p.detail || p.title || xhr.statusText;
    } catch (e) {
      return xhr.status + ' ' + xhr.statusText;
    }
  }

  function setupDropzone(form) {
    if (form.dataset.wired) return;
    form.dataset.wired = '1';
    const input = form.querySelector('input[type=file]');
    const list = form.querySelector('.upload-list');
    const target = form.querySelector('.drop-target');
    const d = form.dataset;
    let queue = [];
    let running = 0;
    let failures = 0;
    let pending = 0;

    function fields() {
      // Everything the form says besides the files, sent before each file.
      const out = [];
      form.querySelectorAll('input[name], select[name]').forEach(function (el) {
        if (el.type !== 'file' && el.value !== '') out.push([el.name, el.value]);
      });
      return out;
    }

    function done() {
      pending -= 1;
      if (pending === 0 && failures === 0 && queue.length === 0) {
        setTimeout(function () { location.reload(); }, 400);
      }
    }

    function send(file) {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = file.name;
      const bar = document.createElement('progress');
      bar.max = 100; bar.value = 0;
      const state = document.createElement('span');
      state.className = 'state';
      state.textContent = d.sending;
      li.append(name, bar, state);
      list.appendChild(li);
      const body = new FormData();
      fields().forEach(function (kv) { body.append(kv[0], kv[1]); });
      body.append('file', file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/v1/media');
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.onload = function () {
        running -= 1;
        next();
        if (xhr.status !== 200 && xhr.status !== 201) {
          li.classList.add('error');
          state.textContent = problemText(xhr);
          bar.remove();
          failures += 1;
          pending -= 1;
          return;
        }
        const uploaded = JSON.parse(xhr.responseText)[0];
        const a = uploaded.asset;
        const link = document.createElement('a');
        link.href = '/staff/media/' + a.id;
        link.textContent = d.open;
        li.append(' ', link);
        if (uploaded.duplicate) state.textContent = d.duplicate;
        bar.value = 0;
        follow(a.id, function (now) {
          if (now.status === 'processing' || now.status === 'pending') {
            bar.value = now.progress;
            state.textContent = d.processing + ' ' + now.progress + ' %';
          } else if (now.status === 'ready') {
            bar.value = 100;
            li.classList.add('ok');
            state.textContent = uploaded.duplicate ? d.duplicate : d.ready;
            done();
          } else {
            li.classList.add('error');
            state.textContent = d.failed + (now.error ? ': ' + now.error : '');
            failures += 1;
            done();
          }
        });
      };
      xhr.onerror = function () {
        running -= 1;
        li.classList.add('error');
        state.textContent = xhr.statusText || 'network error';
        failures += 1;
        pending -= 1;
        next();
      };
      xhr.send(body);
    }

    // Two files on the wire at once: the server checks each as it arrives.
    function next() {
      while (running < 2 && queue.length) {
        running += 1;
        send(queue.shift());
      }
    }

    function add(files) {
      Array.prototype.forEach.call(files, function (f) { queue.push(f); pending += 1; });
      next();
    }

    input.addEventListener('change', function () { add(input.files); input.value = ''; });
    ['dragenter', 'dragover'].forEach(function (t) {
      target.addEventListener(t, function (e) { e.preventDefault(); target.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      target.addEventListener(t, function (e) { e.preventDefault(); target.classList.remove('over'); });
    });
    target.addEventListener('drop', function (e) { if (e.dataTransfer) add(e.dataTransfer.files); });
    form.addEventListener('submit', function (e) { e.preventDefault(); add(input.files); });
  }

  function init() {
    document.querySelectorAll('.deepzoom[data-info]').forEach(setupViewer);
    document.querySelectorAll('[data-asset][data-status="pending"], [data-asset][data-status="processing"]').forEach(setupPending);
    document.querySelectorAll('form.dropzone').forEach(setupDropzone);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
