// The README's first command on a machine without cmake and nasm: scripts/demo.sh must
// install them before it builds. The machine is imitated by a PATH that holds every
// command of this one except cmake and nasm, and an apt-get that records what it is asked
// and "installs" a package by putting a stand-in command on that PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const hidden = new Set(['cmake', 'nasm', 'apt-get', 'sudo']);

/** A directory of links to every command on this PATH but the hidden ones. */
function machineWithout() {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-nocmake-'));
  for (const dir of process.env.PATH.split(':')) {
    let names = [];
    try { names = fs.readdirSync(dir); } catch { continue; }
    for (const n of names) {
      const target = path.join(dir, n);
      const link = path.join(bin, n);
      if (hidden.has(n) || fs.existsSync(link)) continue;
      try { fs.accessSync(target, fs.constants.X_OK); fs.symlinkSync(target, link); } catch { /* not a command */ }
    }
  }
  const log = path.join(bin, 'apt.log');
  fs.writeFileSync(path.join(bin, 'apt-get'), `#!/bin/sh
echo "$@" >> "${log}"
[ "$1" = install ] || exit 0
for p in "$@"; do case "$p" in -*|install) ;; *) printf '#!/bin/sh\\necho stand-in\\n' > "${bin}/$p"; chmod +x "${bin}/$p";; esac; done
`, { mode: 0o755 });
  // As a non-root user the script would ask sudo: a sudo that runs the command as is.
  fs.writeFileSync(path.join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
  return { bin, log };
}

test('demo script installs cmake and nasm when the machine lacks them', () => {
  const { bin, log } = machineWithout();
  try {
    const env = { ...process.env, PATH: bin, VITRINE_APT_UPDATED: '' };
    assert.notEqual(spawnSync('sh', ['-c', 'command -v cmake'], { env }).status, 0, 'cmake is hidden');
    const out = execFileSync('bash', ['scripts/demo.sh', '--setup-only'], { cwd: root, env, encoding: 'utf8' });
    const asked = fs.readFileSync(log, 'utf8');
    assert.match(asked, /^update/m);
    assert.match(asked, /^install .*\bcmake\b/m);
    assert.match(asked, /^install .*\bnasm\b/m);
    assert.match(out, /build tools ready/);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test('demo script runs the release demo with the README flags', () => {
  const text = fs.readFileSync(path.join(root, 'scripts/demo.sh'), 'utf8');
  assert.match(text, /cargo run --release --locked -p vitrine -- demo "\$@"/);
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.match(readme, /^bash scripts\/demo\.sh\b/m, 'the README\'s first command is the script');
});
