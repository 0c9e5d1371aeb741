// The service bus against the real binary. Jobs: an administrator starts a fixity check
// on the Jobs page, watches it finish on its own page and downloads the report; the CLI
// lists the same job and refuses a bad filter by name. Events: the stream carries a
// change and resumes after Last-Event-ID.
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


async function signIn(user) {
  const r = await fetch(museum.base + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password: 'vitrine-demo' }),
  });
  return (await r.json()).token;
}

async function retitle(token, id, title) {
  const got = await fetch(`${museum.base}/api/v1/objects/${id}`, { headers: { authorization: `Bearer ${token}` } });
  const r = await fetch(`${museum.base}/api/v1/objects/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'if-match': got.headers.get('etag'), 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ title: { en: title } }),
  });
  assert.equal(r.status, 200, 'the edit is saved');
}

/** Opens the stream and reads until one event has come; returns its id and data. */
async function firstEvent(token, headers = {}) {
  const ctl = new AbortController();
  const r = await fetch(museum.base + '/api/v1/events/stream?types=object.updated', {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers }, signal: ctl.signal,
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    async next() {
      for (;;) {
        const block = text.split('\n\n').find((b) => /^event: object\.updated$/m.test(b));
        if (block) {
          ctl.abort();
          return { id: block.match(/^id: (\d+)$/m)[1], data: JSON.parse(block.match(/^data: (.*)$/m)[1]) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

test('the event stream carries a change and resumes after Last-Event-ID', async () => {
  const token = await signIn('registrar');
  const list = await (await fetch(museum.base + '/api/v1/objects?limit=2', { headers: { authorization: `Bearer ${token}` } })).json();
  const [a, b] = list.items;
  const live = await firstEvent(token);
  await retitle(token, a.id, 'Streamed once');
  const first = await live.next();
  assert.equal(first.data.data.id, a.id, 'the event names the edited object');
  // While no one listens, another edit; a client that reconnects with the last id it had
  // gets that edit first.
  await retitle(token, b.id, 'Streamed twice');
  const resumed = await (await firstEvent(token, { 'last-event-id': first.id })).next();
  assert.equal(resumed.data.data.id, b.id, 'the stream resumed after the last event seen');
  assert.ok(Number(resumed.id) > Number(first.id));
});
