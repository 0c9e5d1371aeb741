// Search journeys in headless Chromium against the real binary: suggestions as you type,
// facets, saved searches for staff; pinyin and highlighting on the public site.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMuseum, launch, login } from './server.mjs';

let museum;
let browser;

before(async () => {
  museum = await startMuseum();
  browser = await launch();
  // The index is built in the background when the server starts.
  for (let i = 0; i < 240; i++) {
    const r = await fetch(museum.base + '/api/public/v1/search?q=%E9%9D%92%E8%8A%B1');
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 250));
  }
});

after(async () => {
  await browser?.close();
  await museum?.stop();
});

test('a curator searches with suggestions, narrows by a facet and saves the search', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, museum.base, 'curator');
  await page.goto(museum.base + '/staff/search');
  await page.type('#s-q', '青花', { delay: 30 });
  await page.waitForSelector('#s-suggest li', { state: 'visible' });
  await page.keyboard.press('Escape');
  await Promise.all([page.waitForURL(/q=/), page.press('#s-q', 'Enter')]);
  const first = await page.textContent('.hits li:first-child');
  assert.ok(first.length > 0, 'there are hits');
  assert.ok(await page.locator('.hits mark').count() > 0, 'matched words are marked');
  const total = Number((await page.textContent('.hits > p.muted')).match(/\d+/)[0]);
  // The first value of the first facet with more than one value narrows the result.
  const facet = page.locator('.facets section a').first();
  const count = Number(await facet.locator('.count').textContent());
  await Promise.all([page.waitForURL(/department=|type=|material=|period=|place=|status=/), facet.click()]);
  const narrowed = Number((await page.textContent('.hits > p.muted')).match(/\d+/)[0]);
  assert.equal(narrowed, count, 'the facet count was exact');
  assert.ok(narrowed <= total);
  assert.equal(await page.locator('.facets a.on').count(), 1, 'the chosen value shows as selected');
  const url = page.url();
  await page.fill('#s-name', 'Blue-and-white, narrowed');
  await Promise.all([page.waitForURL(/\/staff\/search\?/), page.click('.save-search button')]);
  const saved = page.locator('.saved a', { hasText: 'Blue-and-white, narrowed' });
  assert.equal(await saved.count(), 1, 'the saved search is listed');
  await page.goto(museum.base + '/staff/search');
  await Promise.all([page.waitForURL(/q=/), page.locator('.saved a', { hasText: 'Blue-and-white, narrowed' }).click()]);
  assert.equal(Number((await page.textContent('.hits > p.muted')).match(/\d+/)[0]), narrowed, 'it runs again');
  assert.ok(url.includes(new URL(page.url()).search.slice(1).split('&')[0]));
  await ctx.close();
});

test('a visitor finds blue-and-white porcelain by pinyin, in Chinese, with the words marked', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(museum.base + '/search?lang=zh&q=qinghua');
  assert.ok(await page.locator('.hits li').count() > 0, 'pinyin finds records');
  assert.ok((await page.textContent('.hits li:first-child')).includes('青花'));
  assert.ok(await page.locator('.hits mark').count() > 0);
  const html = await page.content();
  assert.ok(!html.includes('号柜') && !html.includes('cabinet'), 'no storage location reaches the public');
  await ctx.close();
});
