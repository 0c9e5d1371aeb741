// The media journeys in headless Chromium against the real binary: a photographer drops
// files on an object page, follows the upload and the pyramid, arranges and describes the
// images; a visitor deep-zooms into the public object page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMuseum, launch, login } from './server.mjs';

let museum;
let browser;

before(async () => {
  museum = await startMuseum({ images: 6 });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await museum?.stop();
});

// A public object of the demo without images yet, by the public API.
async function objectWithoutImages(page) {
  const list = await (await fetch(museum.base + '/api/public/v1/objects?limit=100&sort=-object_number')).json();
  for (const o of list.items) {
    const images = await page.evaluate(async (id) => (await fetch(`/api/v1/objects/${id}/media`)).json(), o.id);
    if (images.length === 0) return o;
  }
  throw new Error('every object has images');
}

// Two different masters cut from a demo photograph through IIIF (staff may fetch any).
async function photographs(page) {
  const lib = await page.evaluate(async () => (await fetch('/api/v1/media?status=ready&limit=1')).json());
  const id = lib.items[0].identifier;
  const cut = async (rot) => page.evaluate(async ([i, r]) => {
    const b = await (await fetch(`/iiif/3/${i}/full/800,/${r}/default.jpg`)).arrayBuffer();
    return Array.from(new Uint8Array(b));
  }, [id, rot]);
  return [
    { name: 'front.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(await cut(0)) },
    { name: 'back.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(await cut(180)) },
  ];
}

test('a photographer uploads two images to an object, follows them, makes the second primary and describes it', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, museum.base, 'media');
  await page.goto(museum.base + '/staff/media');
  // The library shows the demo's photographs as thumbnails that really load.
  await page.waitForFunction(() => [...document.querySelectorAll('.media-grid img')].some((i) => i.complete && i.naturalWidth > 0));
  const o = await objectWithoutImages(page);
  const files = await photographs(page);
  await page.goto(`${museum.base}/staff/objects/${o.id}`);
  assert.ok(await page.isVisible('.object-images .dropzone'), 'the object page offers an upload zone');
  // Choosing files starts the uploads; each row shows progress, then "ready"; the page reloads with them.
  const reloaded = page.waitForEvent('load');
  await page.setInputFiles('#obj-files', files);
  await page.waitForSelector('.upload-list li:nth-child(2)');
  await reloaded;
  await page.waitForSelector('.image-strip li:nth-child(2) .strip-thumb img');
  // The deep-zoom viewer opened the first image from its IIIF info.json.
  await page.waitForSelector('.deepzoom[data-opened] .openseadragon-canvas canvas');
  const opened = await page.getAttribute('.deepzoom', 'data-opened');
  assert.match(opened, /^\/iiif\/3\/[^/]+\/info\.json$/);
  // Switching in the strip opens the other image.
  await page.click('.image-strip li:nth-child(2) .strip-thumb');
  await page.waitForFunction((first) => document.querySelector('.deepzoom').dataset.opened !== first, opened);
  // Move the second image first and make it the primary image.
  await Promise.all([page.waitForEvent('load'), page.click('.image-strip li:nth-child(2) button[value=earlier]')]);
  await Promise.all([page.waitForEvent('load'), page.click('.image-strip li:nth-child(1) button[value=primary]')]);
  const primaryBadge = await page.textContent('.image-strip li:nth-child(1) .strip-meta');
  assert.ok(primaryBadge.includes('主图') || primaryBadge.includes('Primary'), primaryBadge);
  // Describe it: caption, rights; the save is confirmed.
  await Promise.all([page.waitForURL(/\/staff\/media\/[0-9a-f-]+$/), page.click('.image-strip li:nth-child(1) .strip-meta a')]);
  await page.fill('#d-ce', 'Reverse, after cleaning');
  await page.fill('#d-cz', '背面（清洗后）');
  await page.selectOption('#d-r', 'http://creativecommons.org/licenses/by/4.0/');
  await Promise.all([page.waitForEvent('load'), page.click('.media-form button[type=submit]')]);
  assert.ok(await page.isVisible('.notice'));
  assert.equal(await page.inputValue('#d-ce'), 'Reverse, after cleaning');
  assert.ok((await page.textContent('.media-layout')).includes(o.object_number), 'the image page lists its object');
  await ctx.close();

  // A visitor: the public object page deep-zooms, credits the rights, and the manifest lists both canvases.
  const pub = await browser.newContext();
  const v = await pub.newPage();
  await v.goto(`${museum.base}/collection/${o.id}?lang=en`);
  await v.waitForSelector('.deepzoom[data-opened] .openseadragon-canvas canvas');
  assert.ok((await v.textContent('.image-credit')).includes('CC BY 4.0'));
  const manifest = await (await fetch(`${museum.base}/iiif/3/manifest/${o.id}`)).json();
  assert.equal(manifest.items.length, 2, 'one canvas per image');
  // Visitors never reach the staff API's view of the library.
  const r = await fetch(museum.base + '/api/v1/media');
  assert.equal(r.status, 401);
  await pub.close();
});

test('a refused file is reported in its row and nothing is added', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, museum.base, 'media');
  await page.goto(museum.base + '/staff/media');
  const before = (await page.textContent('.title-row .muted')).trim();
  await page.setInputFiles('#up-files', [{ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not an image') }]);
  await page.waitForSelector('.upload-list li.error');
  const msg = await page.textContent('.upload-list li.error .state');
  assert.ok(msg.length > 5, msg);
  await page.reload();
  assert.equal((await page.textContent('.title-row .muted')).trim(), before);
  await ctx.close();
});
