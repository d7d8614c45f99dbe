import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The relay is started by a create whose working directory is the container's bundle, which
// Docker removes; its netns children (`node -e`, ES modules) then started in a deleted directory
// and died with "process.cwd failed" — every name went unanswered. Needs root and nsenter.
const dist = join(__dirname, '..', '..', 'dist', 'dns');
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root'
    : spawnSync('sh', ['-c', 'command -v nsenter']).status !== 0
      ? 'nsenter is not installed'
      : !existsSync(join(dist, 'netns-socket.js'))
        ? 'msb is not built (npm run build)'
        : undefined;
if (skipReason) console.warn(`SKIP netns socket from a deleted working directory: ${skipReason}`);

const dir = mkdtempSync(join(tmpdir(), 'msb-netns-socket-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skipReason !== undefined)('openNetnsUdpSocket', () => {
  it("opens a socket through a child started from the child's source text, from a process whose working directory was removed", () => {
    const module = pathToFileURL(join(dist, 'netns-socket.js')).href;
    const script = join(dir, 'open.mjs');
    writeFileSync(
      script,
      `import { openNetnsUdpSocket, netnsChildSource, selfExecutable } from ${JSON.stringify(module)};
import { rmdirSync } from 'node:fs';
rmdirSync(process.cwd());
const s = await openNetnsUdpSocket('/proc/self/ns/net', { nsenter: 'nsenter', node: selfExecutable(), childSource: netnsChildSource(${JSON.stringify(join(dist, 'netns-socket-child.js'))}) });
console.log('opened', typeof s.address().port);
s.close();
`,
    );
    const cwd = join(dir, 'bundle');
    mkdirSync(cwd);
    const r = spawnSync(process.execPath, [script], { cwd, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr + r.stdout).toContain('opened number');
  });
});
