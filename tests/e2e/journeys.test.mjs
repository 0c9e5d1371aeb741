// The staff journeys of the catalogue, in headless Chromium against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMuseum, launch, login } from './server.mjs';

let museum;
let browser;

before(async () => {
  museum = await startMuseum();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await museum?.stop();
});

test('a registrar finds an object, changes its English title and sees the history entry', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, museum.base, 'registrar');
  await page.goto(museum.base + '/staff/objects?sort=-object_number');
  const number = (await page.textContent('table.list tbody tr:first-child td.object-number a')).trim();
  // Find it by typing in the filter box (htmx swaps the rows in).
  await page.fill('#f-q', number);
  await page.waitForFunction((n) => {
    const rows = document.querySelectorAll('table.list tbody tr');
    return rows.length === 1 && rows[0].textContent.includes(n);
  }, number);
  assert.match(page.url(), /q=/, 'the search is in the address bar');
  // Leaving the box fires the form's `change` trigger: one more swap of the rows. Let it
  // land before clicking, or the click can hit a row as it is replaced.
  await page.locator('#f-q').blur();
  await page.waitForLoadState('networkidle');
  await Promise.all([
    page.waitForURL(/\/staff\/objects\/[0-9a-f-]+$/),
    page.click(`table.list tbody a:text-is("${number}")`),
  ]);
  await page.waitForSelector('h1 .number');
  await page.click('a.button.primary[href$="/edit"]');
  const title = `E2E title ${Date.now()}`;
  await page.fill('#title-en', title);
  await Promise.all([page.waitForURL(/\/staff\/objects\/[0-9a-f-]+$/), page.click('.form-actions button[type=submit]')]);
  assert.ok((await page.content()).includes(title), 'the record shows the new title');
  await page.click('a[href$="/history"]');
  const entry = page.locator('.history .entry').first();
  assert.ok((await entry.textContent()).includes('名称 (English)'), 'the field by its label in the page language');
  assert.ok((await entry.textContent()).includes(title));
  assert.ok((await entry.textContent()).includes('registrar'));
  await ctx.close();
});

test('two tabs editing one record: the second save gets the conflict and keeps its edits', async () => {
  const ctx = await browser.newContext();
  const a = await ctx.newPage();
  await login(a, museum.base, 'curator');
  await a.goto(museum.base + '/staff/objects?sort=object_number');
  const href = await a.getAttribute('table.list tbody tr:nth-child(2) a', 'href');
  const b = await ctx.newPage();
  await a.goto(museum.base + href + '/edit');
  await b.goto(museum.base + href + '/edit');
  await a.fill('#title-en', 'Saved first in tab A');
  await Promise.all([a.waitForURL(museum.base + href), a.click('.form-actions button[type=submit]')]);
  await b.fill('#title-en', 'Edited later in tab B');
  const [resp] = await Promise.all([b.waitForResponse((r) => r.request().method() === 'POST'), b.click('.form-actions button[type=submit]')]);
  assert.equal(resp.status(), 412);
  await b.waitForSelector('#conflict');
  assert.equal(await b.inputValue('#title-en'), 'Edited later in tab B', 'the edits are kept');
  assert.ok((await b.textContent('#conflict')).includes('Saved first in tab A'), 'shows what the other tab saved');
  // Saving again, knowingly, keeps tab B's version.
  await Promise.all([b.waitForURL(museum.base + href), b.click('.form-actions button[type=submit]')]);
  assert.ok((await b.content()).includes('Edited later in tab B'));
  await ctx.close();
});

test('a refused save keeps every value, marks the field, and saves once corrected', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, museum.base, 'registrar');
  await page.goto(museum.base + '/staff/objects?sort=object_number');
  const href = await page.getAttribute('table.list tbody tr:nth-child(3) a', 'href');
  await page.goto(museum.base + href + '/edit');
  const number = await page.inputValue('#object_number');
  const lookups = () => page.$$eval('.picker-q, .chips .chip', (els) => els.map((e) => (e.value ?? e.textContent).trim()));
  const before = await lookups();
  const rows = () => page.$$eval('.rows > .row', (els) => els.length);
  const rowsBefore = await rows();
  await page.fill('#object_number', '');
  await page.fill('#title-en', 'Kept after the refusal');
  const [resp] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('.form-actions button[type=submit]')]);
  assert.equal(resp.status(), 422);
  await page.waitForSelector('#error-summary');
  assert.equal(await page.inputValue('#title-en'), 'Kept after the refusal', 'the edit is kept');
  assert.deepEqual(await lookups(), before, 'every lookup still shows its name');
  assert.equal(await rows(), rowsBefore, 'no blank row added');
  assert.equal(await page.getAttribute('#object_number', 'aria-invalid'), 'true');
  assert.ok((await page.textContent('#e-object_number')).trim().length > 0, 'the message is beside the field');
  assert.ok((await page.textContent('.crumbs')).includes(number), 'the breadcrumb keeps the record name');
  // The summary takes the person to the field.
  await page.click('#error-summary a[data-field="object_number"]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'object_number');
  await page.fill('#object_number', number);
  await Promise.all([page.waitForURL(museum.base + href), page.click('.form-actions button[type=submit]')]);
  assert.ok((await page.content()).includes('Kept after the refusal'));
  await ctx.close();
});

test('the interface switches language and remembers it for the person', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, museum.base, 'viewer');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hans');
  await Promise.all([page.waitForLoadState('load'), page.click('.lang-switch button')]);
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.ok((await page.textContent('nav')).includes('Objects'));
  // A viewer can read but is offered no edit button.
  await page.goto(museum.base + '/staff/objects');
  await page.click('table.list tbody tr:first-child a');
  assert.equal(await page.locator('a[href$="/edit"]').count(), 0);
  // A new session of the same person starts in English.
  const again = await browser.newContext();
  const p2 = await again.newPage();
  await login(p2, museum.base, 'viewer');
  assert.equal(await p2.getAttribute('html', 'lang'), 'en');
  await again.close();
  await ctx.close();
});

test('the public sees published records without restricted fields', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(museum.base + '/?lang=en');
  await page.click('ul.cards li:first-child a');
  const text = await page.textContent('main');
  for (const secret of ['Storeroom', 'store,', 'cabinet', 'Valuation', 'CNY']) {
    assert.ok(!text.includes(secret), `public page shows ${secret}`);
  }
  await ctx.close();
});
