// The search index survives kill -9: the real binary is killed while edits it has
// acknowledged may still wait in the outbox, then served again from the same data. Every
// acknowledged edit and deletion must be searchable as the database holds it, and the
// index must be the same generation (resumed, not rebuilt).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMuseum } from './server.mjs';

let museum;

before(async () => {
  museum = await startMuseum();
});

after(async () => {
  await museum?.stop();
});

async function api(method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] ??= 'application/json';
  const r = await fetch(museum.base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, json: text ? JSON.parse(text) : null };
}

async function signIn() {
  const r = await api('POST', '/api/v1/session', { body: { username: 'admin', password: 'vitrine-demo' } });
  assert.equal(r.status, 200, 'admin signs in');
  return r.json.token;
}

async function until(what, ok, seconds = 30) {
  for (let i = 0; i < seconds * 10; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} within ${seconds} s`);
}

const total = async (token, q) => (await api('GET', '/api/v1/search?q=' + encodeURIComponent(q), { token })).json.total;

test('the index survives kill -9 and catches up with what was acknowledged', async () => {
  let token = await signIn();
  await until('the index is built', async () => (await api('GET', '/api/v1/search/status', { token })).json.state === 'ready');
  const items = (await api('GET', '/api/v1/objects?limit=25', { token })).json.items;
  assert.ok(items.length >= 21, 'there are objects to edit');
  // One edit indexed before the crash, so the index on disk holds a commit of its own.
  const first = items[0];
  const tag = `k${Date.now().toString(36)}`;
  let got = await api('GET', `/api/v1/objects/${first.id}`, { token });
  await api('PATCH', `/api/v1/objects/${first.id}`, {
    token,
    body: { title: { en: `Crashproof ${tag}a` } },
    headers: { 'if-match': got.headers.get('etag'), 'content-type': 'application/merge-patch+json' },
  });
  await until('the first edit is searchable', async () => (await total(token, `${tag}a`)) === 1);
  const before = (await api('GET', '/api/v1/search/status', { token })).json;

  // A deletion, then twenty edits at once; the process is killed as soon as ten are
  // answered, with the rest in flight and the latest ones not yet indexed.
  const gone = items[1];
  got = await api('GET', `/api/v1/objects/${gone.id}`, { token });
  const del = await api('DELETE', `/api/v1/objects/${gone.id}`, { token, headers: { 'if-match': got.headers.get('etag') } });
  assert.equal(del.status, 204, 'the object is deleted');
  const edited = items.slice(2, 22);
  const etags = await Promise.all(edited.map(async (o) => (await api('GET', `/api/v1/objects/${o.id}`, { token })).headers.get('etag')));
  let answered = 0;
  let killed;
  const tenAnswered = new Promise((r) => { killed = r; });
  const edits = edited.map((o, i) => api('PATCH', `/api/v1/objects/${o.id}`, {
    token,
    body: { title: { en: `Crashproof ${tag}e${i}` } },
    headers: { 'if-match': etags[i], 'content-type': 'application/merge-patch+json' },
  }).then((r) => { answered += 1; if (answered === 10) killed(); return r.status; }, () => 'no answer'));
  await tenAnswered;
  await museum.crash();
  const outcomes = await Promise.all(edits);
  const acknowledged = outcomes.map((s) => s === 200);
  assert.ok(acknowledged.filter(Boolean).length >= 10, `at least ten edits were answered: ${outcomes}`);

  await museum.restart();
  token = await signIn();
  // The index reopens where it was and replays the outbox from its last commit.
  await until('the index catches up with the outbox', async () => {
    const s = (await api('GET', '/api/v1/search/status', { token })).json;
    return s.state === 'ready' && s.indexed_seq >= s.outbox_seq;
  });
  const after = (await api('GET', '/api/v1/search/status', { token })).json;
  assert.equal(after.generation, before.generation, 'the index survived: resumed, not rebuilt');
  assert.equal(after.last_error, null, 'no error while resuming');
  assert.equal(await total(token, `${tag}a`), 1, 'the edit indexed before the crash is still found');
  const byNumber = (await api('GET', '/api/v1/search?q=' + encodeURIComponent(gone.object_number), { token })).json;
  assert.ok(!byNumber.hits.some((h) => h.id === gone.id), 'the deleted object is gone');
  for (const [i, o] of edited.entries()) {
    // Whatever the database kept (every acknowledged edit, maybe some in flight), the
    // index holds, and nothing else.
    const title = (await api('GET', `/api/v1/objects/${o.id}`, { token })).json.title.en;
    const stored = title === `Crashproof ${tag}e${i}`;
    if (acknowledged[i]) assert.ok(stored, `acknowledged edit ${i} is in the database`);
    assert.equal(await total(token, `${tag}e${i}`), stored ? 1 : 0, `edit ${i} is searchable exactly when stored`);
  }
});
