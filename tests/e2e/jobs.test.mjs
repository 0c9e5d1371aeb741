// Background jobs against the real binary: an administrator starts a fixity check on the
// Jobs page, watches it finish on its own page and downloads the report; the CLI lists the
// same job and refuses a bad filter by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startMuseum, launch, login } from './server.mjs';

const run = promisify(execFile);
const bin = new URL('../../target/debug/vitrine', import.meta.url).pathname;

let museum;
let browser;

before(async () => {
  museum = await startMuseum({ images: 3 });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await museum?.stop();
});

test('an administrator checks fixity from the Jobs page and downloads the report', async () => {
  const ctx = await browser.newContext({ acceptDownloads: true });
  const page = await ctx.newPage();
  await login(page, museum.base, 'admin');
  await page.click('nav a[href="/staff/jobs"]');
  await page.waitForURL(museum.base + '/staff/jobs');
  await Promise.all([
    page.waitForURL(/\/staff\/jobs\/[0-9a-f-]{36}$/),
    page.click('button[name=kind][value="media.fixity"]'),
  ]);
  // The job's page follows it live and shows the result once it has finished.
  const row = page.locator('#jobs tbody tr');
  await row.locator('.badge.job-succeeded').waitFor({ timeout: 30000 });
  await page.getByRole('rowheader', { name: /Masters checked|已校验母版/ }).waitFor();
  const checked = await page.locator('th:text-matches("Masters checked|已校验母版") + td').innerText();
  assert.ok(Number(checked) >= 3, `the demo's masters were checked (${checked})`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.locator('a[href$="/result"]').click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /problem,identifier,id,path/, 'the report has its header');
  assert.equal(download.suggestedFilename(), 'vitrine-fixity.csv');
  // The list shows it too, finished, with nothing left to cancel.
  await page.goto(museum.base + '/staff/jobs?state=succeeded');
  assert.equal(await page.locator('#jobs tbody tr').count(), 1);
  assert.equal(await page.locator('#jobs button:text-matches("Cancel|取消")').count(), 0);
  await ctx.close();
});

test('the CLI lists the jobs of the museum and names a bad filter', async () => {
  const { stdout } = await run(bin, ['jobs', 'list', '--data', museum.data]);
  assert.match(stdout, /media\.fixity\s+succeeded/, stdout);
  await assert.rejects(run(bin, ['jobs', 'list', '--state', 'asleep', '--data', museum.data]), (e) => {
    assert.notEqual(e.code, 0);
    assert.match(e.stderr, /state/, e.stderr);
    return true;
  });
});

test('a job page of someone else is not found for a curator', async () => {
  const { stdout } = await run(bin, ['jobs', 'list', '--data', museum.data]);
  const id = stdout.split('\n')[1].split(/\s+/)[0];
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await login(page, museum.base, 'curator');
  const r = await page.goto(`${museum.base}/staff/jobs/${id}`);
  assert.equal(r.status(), 404);
  await ctx.close();
});

