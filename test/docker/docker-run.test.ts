// `docker run --runtime=msb` behaves as Docker users expect from runc, inside gVisor.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, dockerOk, dockerSkipReason, msbLeftovers, waitUntil } from '../support/docker.js';

const skipReason = dockerSkipReason();
if (skipReason) console.warn(`SKIP docker run suite: ${skipReason}`);

const IMAGE = 'local/busybox';
const created: string[] = [];
const msb = (...args: string[]): string[] => ['run', '--runtime=msb', ...args];
const detached = (...args: string[]): string => {
  const id = dockerOk(msb('-d', ...args)).trim();
  created.push(id);
  return id;
};
const inspect = (id: string, format: string): string => dockerOk(['inspect', '--format', format, id]).trim();

afterAll(() => {
  if (created.length > 0) docker(['rm', '-f', ...created]);
});

describe.skipIf(skipReason !== undefined)('docker run --runtime=msb', () => {
  it("runs the container under gVisor: the kernel is gVisor's, not the host's", () => {
    const kernel = dockerOk(msb('--rm', IMAGE, 'uname', '-r')).trim();
    expect(kernel).toBe('4.4.0');
    expect(kernel).not.toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
  });

  it('passes stdout and stdin through, and the exit status back', () => {
    expect(dockerOk(msb('--rm', '-i', IMAGE, 'sh', '-c', 'tr a-z A-Z'), { input: 'hello gvisor\n' })).toBe('HELLO GVISOR\n');
    const r = docker(msb('--rm', IMAGE, 'sh', '-c', 'echo to-stderr >&2; exit 3'));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('to-stderr');
  });

  it('docker stop delivers SIGTERM to the workload, which exits cleanly', () => {
    const id = detached(IMAGE, 'sh', '-c', 'trap "echo got-term; exit 0" TERM; while :; do sleep 0.2; done');
    dockerOk(['stop', '-t', '20', id]);
    expect(inspect(id, '{{.State.ExitCode}}')).toBe('0');
    expect(dockerOk(['logs', id])).toContain('got-term');
  });

  it('docker kill ends the container with 137', async () => {
    const id = detached(IMAGE, 'sleep', '1000');
    dockerOk(['kill', id]);
    expect(await waitUntil(() => inspect(id, '{{.State.Status}}') === 'exited')).toBe(true);
    expect(inspect(id, '{{.State.ExitCode}}')).toBe('137');
  });

  it('docker exec runs in the sandbox, with and without a tty, and returns the exit status', () => {
    const id = detached(IMAGE, 'sleep', '1000');
    expect(dockerOk(['exec', id, 'uname', '-r']).trim()).toBe('4.4.0');
    expect(docker(['exec', id, 'sh', '-c', 'exit 5']).status).toBe(5);
    // gVisor (2022) shows the console as a host fd, so `tty` cannot name it; isatty is the check.
    expect(dockerOk(['exec', '-t', id, 'sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo isatty'])).toBe('isatty\r\n');
    expect(dockerOk(['exec', id, 'sh', '-c', '[ -t 1 ] || echo no-tty'])).toBe('no-tty\n');
    expect(dockerOk(['exec', '-i', id, 'cat'], { input: 'via exec stdin' })).toBe('via exec stdin');
  });

  it('docker logs returns what the container wrote', async () => {
    const id = detached(IMAGE, 'sh', '-c', 'echo line-one; echo line-two >&2; sleep 1000');
    expect(await waitUntil(() => dockerOk(['logs', id]).includes('line-one'))).toBe(true);
    const r = docker(['logs', id]);
    expect(r.stdout).toContain('line-one');
    expect(r.stderr).toContain('line-two');
  });

  it('docker run -t gives the container a terminal through the console socket', () => {
    const out = dockerOk(msb('--rm', '-t', IMAGE, 'sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo isatty; echo done'));
    expect(out).toBe('isatty\r\ndone\r\n');
  });

  it('docker pause and unpause', () => {
    const id = detached(IMAGE, 'sleep', '1000');
    dockerOk(['pause', id]);
    expect(inspect(id, '{{.State.Status}}')).toBe('paused');
    dockerOk(['unpause', id]);
    expect(inspect(id, '{{.State.Status}}')).toBe('running');
    expect(dockerOk(['exec', id, 'echo', 'alive']).trim()).toBe('alive');
  });

  it('keeps -v, -u, -w, -e, --tmpfs and --read-only as runc does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-volume-'));
    writeFileSync(join(dir, 'f'), 'from the host\n');
    chmodSync(dir, 0o777);
    const script = 'id -u; pwd; cat f; echo "$FOO"; touch /scratch/x && echo tmpfs-ok; touch /etc/x 2>/dev/null || echo ro-ok; echo made > out';
    const out = dockerOk(
      msb('--rm', '-v', `${dir}:/data`, '-u', '65534:65534', '-w', '/data', '-e', 'FOO=bar', '--tmpfs', '/scratch', '--read-only', IMAGE, 'sh', '-c', script),
    );
    expect(out).toBe('65534\n/data\nfrom the host\nbar\ntmpfs-ok\nro-ok\n');
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('made\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps --ulimit values exact, "unlimited" (2^64-1) included, in the config.json it rewrites', () => {
    const out = dockerOk(msb('--rm', '--ulimit', 'memlock=-1:-1', '--ulimit', 'nofile=4096:8192', IMAGE, 'sh', '-c', 'ulimit -l; ulimit -n'));
    expect(out).toBe('unlimited\n4096\n');
  });

  it('publishes ports: -p reaches the sandboxed server from the host', async () => {
    const id = detached('-p', '127.0.0.1::8080', IMAGE, 'httpd', '-f', '-p', '8080', '-h', '/var/www');
    const port = dockerOk(['port', id, '8080/tcp']).trim().split(':').at(-1);
    let body = '';
    expect(
      await waitUntil(() => {
        const r = spawnSync('busybox', ['wget', '-qO-', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
        body = r.stdout;
        return r.status === 0;
      }),
    ).toBe(true);
    expect(body).toBe('hello from msb\n');
  });

  it("docker stats reads the sandbox's resource usage (runtime events --stats)", () => {
    const id = detached(IMAGE, 'sleep', '1000');
    const stats = dockerOk(['stats', '--no-stream', '--format', '{{.MemUsage}} {{.PIDs}}', id]).trim();
    expect(stats).toMatch(/^[\d.]+[KMG]i?B \/ [\d.]+[KMGT]i?B \d+$/);
    expect(stats).not.toMatch(/^0B /);
  });

  it("docker top shows the sandbox's host process; docker update reaches the sandbox's cgroup (test/docker/everyday-ops.test.ts)", () => {
    const id = detached(IMAGE, 'sleep', '1000');
    const top = dockerOk(['top', id]);
    expect(top).toContain('runsc-sandbox');
    expect(top).toContain(id);
    dockerOk(['update', '--memory', '200m', '--memory-swap', '300m', id]);
    expect(inspect(id, '{{.HostConfig.Memory}}')).toBe(String(200 * 2 ** 20));
  });

  it('--restart on-failure restarts the sandboxed container', async () => {
    const id = detached('--restart', 'on-failure:2', IMAGE, 'sh', '-c', 'exit 1');
    expect(await waitUntil(() => inspect(id, '{{.RestartCount}}') === '2' && inspect(id, '{{.State.Status}}') === 'exited', 60_000)).toBe(true);
    expect(inspect(id, '{{.State.ExitCode}}')).toBe('1');
  });

  it('--network none has only loopback', () => {
    const out = dockerOk(msb('--rm', '--network', 'none', IMAGE, 'ip', '-o', 'addr'));
    expect(out).toMatch(/\blo\b/);
    expect(out).not.toMatch(/\beth0\b/);
  });
});

describe.skipIf(skipReason !== undefined)('networks', () => {
  const NET = 'msb-test-net';
  afterAll(() => {
    docker(['network', 'rm', NET]);
  });

  it.each([
    ['the default bridge', 'bridge'],
    ['a user-defined network', NET],
  ])('on %s a sandboxed client reaches a sandboxed server by IP', (_label, network) => {
    if (network === NET && docker(['network', 'inspect', NET]).status !== 0) dockerOk(['network', 'create', NET]);
    const server = detached('--network', network, IMAGE, 'httpd', '-f', '-p', '8080', '-h', '/var/www');
    const ip = inspect(server, `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`);
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const body = dockerOk(
      msb('--rm', '--network', network, IMAGE, 'sh', '-c', `for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://${ip}:8080/ && exit 0; sleep 0.5; done; exit 1`),
    );
    expect(body).toBe('hello from msb\n');
  });

  it("on a user-defined network resolv.conf keeps Docker's options but not the unreachable 127.0.0.11", () => {
    if (docker(['network', 'inspect', NET]).status !== 0) dockerOk(['network', 'create', NET]);
    const conf = dockerOk(msb('--rm', '--network', NET, IMAGE, 'cat', '/etc/resolv.conf'));
    expect(conf).toContain('options ndots:0');
    expect(conf).not.toMatch(/^nameserver 127\.0\.0\.11$/m);
    expect(conf).toMatch(/^nameserver \S+$/m);
  });

  it("--network host is refused rather than run outside the sandbox's network", () => {
    const r = docker(msb('--rm', '--network', 'host', IMAGE, 'true'));
    expect(r.status).not.toBe(0);
    // Docker ≤ 27 names the host's namespace (/var/run/docker/netns/default); Docker 28 leaves the
    // network namespace out of the spec. msb refuses both.
    expect(r.stderr).toMatch(
      /msb: gvisor: (network namespace \/var\/run\/docker\/netns\/default is the host's|the container would share the host network namespace \(--network host\)), which msb does not allow/,
    );
  });
});

describe.skipIf(skipReason !== undefined)('cleanup', () => {
  it('docker rm -f of a running and of a created container leaves nothing behind', () => {
    const running = dockerOk(msb('-d', IMAGE, 'sleep', '1000')).trim();
    const createdOnly = dockerOk(['create', '--runtime=msb', IMAGE, 'sleep', '1000']).trim();
    dockerOk(['start', createdOnly]);
    dockerOk(['rm', '-f', running, createdOnly]);
    expect(msbLeftovers(running)).toEqual([]);
    expect(msbLeftovers(createdOnly)).toEqual([]);
  });

  it('20 docker run --rm started at once all succeed and leave nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-concurrent-'));
    const runs = Array.from(
      { length: 20 },
      (_, i) =>
        new Promise<{ code: number | null; err: string; cid: string }>((resolve) => {
          const cid = join(dir, `${i}.cid`);
          const p = spawn('docker', msb('--rm', '--cidfile', cid, IMAGE, 'sh', '-c', `echo run-${i}`));
          let out = '';
          let err = '';
          p.stdout.on('data', (d: Buffer) => (out += d.toString()));
          p.stderr.on('data', (d: Buffer) => (err += d.toString()));
          p.on('close', (code) => resolve({ code: code === 0 && out === `run-${i}\n` ? 0 : (code ?? -1), err, cid }));
        }),
    );
    const results = await Promise.all(runs);
    expect(results.filter((r) => r.code !== 0).map((r) => r.err)).toEqual([]);
    for (const r of results) expect(msbLeftovers(readFileSync(r.cid, 'utf8').trim())).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);
});
