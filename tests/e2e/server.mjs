// Starts the debug binary on a free loopback port with a small demo museum, for the
// browser journeys; stops it afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(join(root, 'web/package.json'));
export const { chromium } = require('playwright-core');

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/** Starts the binary with `args` and waits until it answers; returns the process and its log. */
async function spawnReady(args, base, env = {}) {
  const bin = join(root, 'target/debug/vitrine');
  const proc = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VITRINE_LOG: 'warn', VITRINE_SIMULATE_EVERY: '2', ...env },
  });
  const out = { proc, text: '' };
  proc.stdout.on('data', (d) => { out.text += d; });
  proc.stderr.on('data', (d) => { out.text += d; });
  for (let i = 0; i < 240; i++) {
    if (proc.exitCode !== null) throw new Error(`vitrine exited early:\n${out.text}`);
    try {
      const r = await fetch(base + '/healthz');
      if (r.ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  return out;
}

function exited(proc) {
  return new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.on('exit', r)));
}

/** A demo museum on a free port; `env` adds settings (`VITRINE_*`) for this run. */
export async function startMuseum({ images = 0, env = {} } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'vitrine-e2e-'));
  let base = `http://127.0.0.1:${await freePort()}`;
  let run = await spawnReady(['demo', '--data', data, '--listen', base.slice('http://'.length), '--objects', '300',
    '--seed', '11', '--backfill', '2d', '--images', String(images)], base, env);
  return {
    get base() { return base; },
    /** The data directory, for CLI commands run beside the server. */
    data,
    log: () => run.text,
    /** kill -9: the process gets no chance to flush or close anything. */
    async crash() {
      run.proc.kill('SIGKILL');
      await exited(run.proc);
    },
    /** Serves the same data again (after a crash), on a fresh port. */
    async restart() {
      base = `http://127.0.0.1:${await freePort()}`;
      run = await spawnReady(['serve', '--data', data, '--listen', base.slice('http://'.length)], base, env);
    },
    async stop() {
      run.proc.kill('SIGTERM');
      await exited(run.proc);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

export async function login(page, base, user) {
  await page.goto(base + '/staff/login');
  await page.fill('#username', user);
  await page.fill('#password', 'vitrine-demo');
  await Promise.all([page.waitForURL(base + '/staff'), page.click('button[type=submit]')]);
}
