// The bench's load generator (workload-tool.c) built as the bench builds it and run against a real
// busybox httpd on loopback: a response read in several chunks must count as a request, not an
// error (its status line used to be looked for in the last chunk).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTool } from './workloads.js';

const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => spawnSync(p, ['httpd', '--help']).error === undefined);
const gcc = spawnSync('gcc', ['--version']).status === 0;
const skipReason = !gcc ? 'gcc is not installed (scripts/provision.sh installs it)' : !busybox ? 'busybox is not installed (busybox-static)' : undefined;
if (skipReason) console.warn(`SKIP workload-tool http suite: ${skipReason}`);

const dir = mkdtempSync(join(tmpdir(), 'msb-workload-tool-'));
let httpd: ChildProcess | undefined;
afterAll(() => {
  httpd?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('workload-tool http', () => {
  it('counts every complete HTTP response of a multi-chunk page as a request', async () => {
    const tool = buildTool(dir);
    const www = join(dir, 'www');
    spawnSync('mkdir', [www]);
    // 20 KiB: more than one read of the tool's 16 KiB buffer, and headers apart from the body.
    writeFileSync(join(www, 'index.html'), 'x'.repeat(20 * 1024));
    const port = 20000 + (process.pid % 20000);
    httpd = spawn(busybox ?? '', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', www], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const r = spawnSync(tool, ['http', '127.0.0.1', String(port), '/index.html', '4', '1'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { requests: number; errors: number };
    expect(out.requests).toBeGreaterThan(10);
    expect(out.errors).toBe(0);
    // A path the server does not have still answers with an HTTP status line: a request, not an error.
    const missing = JSON.parse(spawnSync(tool, ['http', '127.0.0.1', String(port), '/nope', '2', '0.3'], { encoding: 'utf8', timeout: 30_000 }).stdout) as { errors: number };
    expect(missing.errors).toBe(0);
  });
});
