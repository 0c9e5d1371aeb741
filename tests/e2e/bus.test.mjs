// The service bus against the real binary. Jobs: an administrator starts a fixity check
// on the Jobs page, watches it finish on its own page and downloads the report; the CLI
// lists the same job and refuses a bad filter by name. Events: the stream carries a
// change and resumes after Last-Event-ID. Webhooks: an administrator subscribes a real
// receiver (which verifies signatures with the `standardwebhooks` package), sees the
// delivery arrive, breaks the receiver, and replays the dead letter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMuseum, launch, login } from './server.mjs';

const run = promisify(execFile);
const bin = new URL('../../target/debug/vitrine', import.meta.url).pathname;

let museum;
let browser;

before(async () => {
  // Dead letters at the first failure, and the receiver on loopback allowed.
  museum = await startMuseum({ images: 3, env: { VITRINE_WEBHOOK_ALLOW_PRIVATE: 'true', VITRINE_WEBHOOK_DEAD_AFTER_SECS: '0' } });
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

async function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** The test receiver (scripts/webhook_receiver.py) on a free port. */
async function startReceiver() {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-hooks-'));
  const port = await freePort();
  const python = process.env.VITRINE_TEST_WEBHOOK_PYTHON || 'python3';
  const script = new URL('../../scripts/webhook_receiver.py', import.meta.url).pathname;
  const proc = spawn(python, [script, String(port), dir], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  const accepted = () => (existsSync(join(dir, 'accepted.jsonl'))
    ? readFileSync(join(dir, 'accepted.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    secret: (s) => writeFileSync(join(dir, 'secrets'), s),
    mode: (m) => writeFileSync(join(dir, 'mode'), m),
    accepted,
    stop() { proc.kill(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Reloads the subscription's page until a delivery row in `state` shows (at most 20 s). */
async function untilDelivery(page, state, count = 1) {
  for (let i = 0; i < 80; i++) {
    if ((await page.locator(`#deliveries tbody tr[data-state="${state}"]`).count()) >= count) return;
    await new Promise((r) => setTimeout(r, 250));
    await page.reload();
  }
  assert.fail(`no ${state} delivery on the page`);
}

test('an administrator subscribes a receiver, sees the delivery, breaks the receiver and replays the dead letter', async () => {
  const rx = await startReceiver();
  try {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, museum.base, 'admin');
    await page.click('nav a[href="/staff/webhooks"]');
    await page.fill('#wh-url', rx.url);
    await page.check('input[name=events][value="object.*"]');
    await Promise.all([page.waitForURL(museum.base + '/staff/webhooks'), page.click('form[action="/staff/webhooks"] button[type=submit]')]);
    const secret = (await page.textContent('#wh-secret')).trim();
    assert.match(secret, /^whsec_/);
    rx.secret(secret);
    const hookUrl = museum.base + '/staff/webhooks/' + (await page.locator('form[action$="/replay"]').getAttribute('action')).split('/')[3];
    await page.goto(hookUrl);
    // A registrar's edit is delivered, verified by the receiver's own library.
    const token = await signIn('registrar');
    const [obj] = (await (await fetch(museum.base + '/api/v1/objects?limit=1', { headers: { authorization: `Bearer ${token}` } })).json()).items;
    await retitle(token, obj.id, 'Hooked once');
    await untilDelivery(page, 'delivered');
    assert.equal(rx.accepted().length, 1, 'the receiver verified and took the delivery');
    assert.equal(rx.accepted()[0].data.id, obj.id);
    // The receiver breaks: the next edit becomes a dead letter.
    rx.mode('fail');
    await retitle(token, obj.id, 'Hooked twice');
    await untilDelivery(page, 'dead');
    rx.mode('ok');
    await page.click('form[action$="/replay"] button');
    await page.locator('#wh-notice').waitFor();
    assert.match(await page.textContent('#wh-notice'), /1/);
    assert.equal(rx.accepted().length, 2, 'the replayed dead letter arrived');
    assert.equal(await page.locator('#deliveries tbody tr[data-state="replayed"]').count(), 1);
    await ctx.close();
  } finally {
    rx.stop();
  }
});
