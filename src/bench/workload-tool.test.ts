// The bench's load generator (workload-tool.c) built as the bench builds it and run against a real
// busybox httpd on loopback: a response read in several chunks must count as a request, not an
// error (its status line used to be looked for in the last chunk).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildResponse } from '../dns/dns-message.js';
import { readQuestion } from '../dns/dns-wire.js';
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
    const missing = JSON.parse(spawnSync(tool, ['http', '127.0.0.1', String(port), '/nope', '2', '0.3'], { encoding: 'utf8', timeout: 30_000 }).stdout) as {
      errors: number;
    };
    expect(missing.errors).toBe(0);
  });
});

const root = process.getuid?.() === 0;
if (!gcc || !root) console.warn(`SKIP workload-tool dns: ${!gcc ? 'gcc is not installed' : 'needs root (port 53)'}`);
describe.skipIf(!gcc || !root)('workload-tool dns', () => {
  it('times answered queries one at a time and counts the unanswered as lost', async () => {
    const tool = buildTool(dir);
    const server = createSocket('udp4');
    let n = 0;
    server.on('message', (m, r) => {
      if (n++ % 4 === 3) return; // every fourth query goes unanswered
      const q = readQuestion(m);
      server.send(buildResponse(m, q ? [{ type: 1, ttl: 5, data: Buffer.from([203, 0, 113, 10]) }] : []), r.port, r.address);
    });
    await new Promise<void>((resolve) => server.bind(53, '127.77.0.1', resolve));
    try {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(tool, ['dns', '127.77.0.1', 'x.test', '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.on('exit', (code) => resolve({ code, out }));
      });
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out) as { queries: number; lost: number; p50_ms: number };
      expect(out).toMatchObject({ queries: 8, lost: 2 });
      expect(out.p50_ms).toBeGreaterThan(0);
      expect(out.p50_ms).toBeLessThan(1000);
    } finally {
      server.close();
    }
  }, 30_000);
});
