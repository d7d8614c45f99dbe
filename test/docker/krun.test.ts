// libkrun microVMs under Docker (docs/krun.md): the runtime alias msb-krun (--isolation=krun),
// registered with msbctl from this checkout. On this build host /dev/kvm is the kvm-pvm device,
// where libkrun guests die ~12 s after "entering VM": the host-check suite runs here (create is
// refused by default; with krun.hostCheck=warn the container reaches msb's "entering VM" with
// the translated settings and fails with a clear message), the boot suite runs only where
// inspectKvmHost says microVMs can boot, and prints why it is skipped otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectKvmHost } from '../../src/isolation/kvm-host.js';
import { DOCKER_MSB_ROOT, docker, dockerAsync, dockerOk, dockerSkipReason, freshNetwork, msbLeftovers, waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const skipReason = dockerSkipReason();
if (skipReason) console.warn(`SKIP krun suites: ${skipReason}`);
const host = inspectKvmHost();
const bootSkip = skipReason ?? (host.kind === 'usable' ? undefined : `this host cannot boot libkrun microVMs: ${host.reason}`);
if (!skipReason && bootSkip) console.warn(`SKIP krun boot, exec, ports, DNS and exit-code suite: ${bootSkip}`);
const checkSkip = skipReason ?? (host.kind === 'usable' ? `the host check has nothing to refuse here: ${host.reason}` : undefined);
if (!skipReason && checkSkip) console.warn(`SKIP krun host-check suite: ${checkSkip}`);
// Reaching msb's "entering VM" needs a KVM device msb can open: the kvm-pvm device (guests then
// die ~12 s later). Boots of this machine without /dev/kvm at all (dmesg: "kvm-pvm: this kernel is
// itself a kvm-pvm guest; not binding") fail in msb before that.
const entrySkip = checkSkip ?? (host.kind === 'kvm-pvm' ? undefined : `msb cannot reach "entering VM" without a KVM device: ${host.reason}`);
if (!checkSkip && entrySkip) console.warn(`SKIP krun tests that reach "entering VM": ${entrySkip}`);

const dir = mkdtempSync(join(tmpdir(), 'msb-krun-'));
const msbctl = join(repoRoot, 'shim/msbctl');
const runtime = join(repoRoot, 'shim/msb-runtime');
const warnPolicy = join(dir, 'warn.json');
const volumePolicy = join(dir, 'volume.json');
const volumeDirectory = join(dir, 'volumes');
const aliases = { krun: 'msb-krun', warn: 'msb-krun-warn', sized: 'msb-krun-sized' };
const injectAnnotation = join(repoRoot, 'test/support/wrappers/inject-annotation.sh');
const prefix = `msb-krun-t${process.pid}`;

function ctl(args: string[]): void {
  const r = spawnSync(msbctl, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
}

/** leftovers adds runc's state and the VMM's processes (named after the msb sandbox) to msbLeftovers. */
function leftovers(id: string): string[] {
  const found = msbLeftovers(id);
  if (existsSync(join(DOCKER_MSB_ROOT, 'msb', 'runc', id))) found.push(`runc state ${id}`);
  const sandbox = `c-${id.slice(0, 12)}`;
  for (const pid of spawnSync('pgrep', ['-f', sandbox], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) found.push(`process ${pid} (${sandbox})`);
  return found;
}

/** runToEnd runs a --rm container with a cid file and returns docker's result and the container id. */
async function runToEnd(alias: string, args: string[]): Promise<{ r: Awaited<ReturnType<typeof dockerAsync>>; id: string }> {
  const cid = join(dir, `${Math.random().toString(36).slice(2)}.cid`);
  const r = await dockerAsync(['run', '--rm', '--cidfile', cid, `--runtime=${alias}`, ...args], { timeout: 90_000 });
  const id = existsSync(cid) ? readFileSync(cid, 'utf8').trim() : '';
  if (id) docker(['rm', '-f', id]);
  return { r, id };
}

beforeAll(async () => {
  if (skipReason) return;
  writeFileSync(warnPolicy, JSON.stringify({ krun: { hostCheck: 'warn' } }));
  writeFileSync(volumePolicy, JSON.stringify({ krun: { hostCheck: 'warn', dockerVolumeMiB: 64, volumeDirectory } }));
  ctl(['install', '--name', aliases.krun, '--path', runtime, '--runtime-arg=--isolation=krun']);
  ctl(['install', '--name', aliases.warn, '--path', runtime, '--runtime-arg=--isolation=krun', `--runtime-arg=--policy=${warnPolicy}`]);
  // Docker 20.10 has no --annotation: the wrapper adds io.msb.krun.memory=300 to config.json.
  ctl([
    'install',
    '--name',
    aliases.sized,
    '--path',
    injectAnnotation,
    '--runtime-arg=--annotation',
    '--runtime-arg=io.msb.krun.memory=300',
    '--runtime-arg=--isolation=krun',
    `--runtime-arg=--policy=${volumePolicy}`,
  ]);
  const ok = await waitUntil(() => {
    const info = docker(['info', '--format', '{{json .Runtimes}}']).stdout;
    return Object.values(aliases).every((a) => info.includes(`"${a}"`));
  });
  if (!ok) throw new Error('dockerd did not pick up the krun aliases after SIGHUP');
}, 60_000);

afterAll(() => {
  if (!skipReason) for (const a of Object.values(aliases)) ctl(['uninstall', '--name', a]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(checkSkip !== undefined)('krun host check on a host that cannot boot microVMs', () => {
  it("by default docker run fails at once with msb's host message and leaves nothing behind", async () => {
    const { r, id } = await runToEnd(aliases.krun, ['local/busybox', 'echo', 'hi']);
    expect(r.status).toBe(125);
    expect(r.stderr).toContain(`msb: krun: this host cannot boot libkrun microVMs: ${host.reason}`);
    expect(r.stderr).toContain('krun.hostCheck is "enforce"');
    expect(r.stdout).toBe('');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(leftovers(id)).toEqual([]);
  });

  it.skipIf(entrySkip !== undefined)(
    'with hostCheck "warn" it reaches msb\'s "entering VM" with the translated settings, then fails with the reason',
    async () => {
      const { r, id } = await runToEnd(aliases.warn, [
        '--hostname',
        `${prefix}-h`,
        '-m',
        '512m',
        '--cpus',
        '1.5',
        '-e',
        'KRUN_TEST=1',
        'local/busybox',
        'echo',
        'hi',
      ]);
      expect(r.status).not.toBe(0);
      expect(r.stdout).not.toContain('hi');
      const err = r.stderr;
      expect(err).toContain('msb: krun: the microVM failed (msb exit 1); msb runtime log:');
      expect(err).toMatch(/INFO microsandbox_runtime::vm: entering VM sandbox=c-[0-9a-f]{12}/);
      expect(err).toContain('KVM_EXIT_INTERNAL_ERROR');
      // msb's own inspect output: 512 MiB - 96 MiB VMM headroom; ceil(1.5) vCPUs; the process' settings.
      expect(err).toMatch(/Memory:\s+416 MiB/);
      expect(err).toMatch(/CPUs:\s+2\n/);
      expect(err).toContain('Image:          /msb/guest');
      expect(err).toContain('KRUN_TEST=1');
      expect(err).toContain(`msb: krun: host check (krun.hostCheck=warn): this host cannot boot libkrun microVMs: ${host.reason}`);
      expect(leftovers(id)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(entrySkip !== undefined)(
    'a sizing annotation (io.msb.krun.memory=300), a read-only bind, a tmpfs and the /var/lib/docker disk volume reach msb',
    async () => {
      const { r, id } = await runToEnd(aliases.sized, ['-m', '1g', '-v', `${dir}:/data:ro`, '--tmpfs', '/cache:size=32m', 'local/busybox', 'true']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/entering VM/);
      expect(r.stderr).toMatch(/Memory:\s+300 MiB/);
      expect(r.stderr).toMatch(/Max Memory:\s+928 MiB/);
      expect(r.stderr).toMatch(/\/data\s+→ \/msb\/mounts\/0 \(ro\)/);
      expect(r.stderr).toMatch(/\/cache\s+→ tmpfs \(32 MiB\)/);
      expect(r.stderr).toMatch(/\/var\/lib\/docker → disk:\/msb\/volumes\/docker\.img \(raw\) \[ext4\]/);
      expect(leftovers(id)).toEqual([]);
      expect(existsSync(join(volumeDirectory, `${id}.img`))).toBe(false);
    },
    120_000,
  );

  it.skipIf(entrySkip !== undefined)(
    'while msb boots: docker top lists the VMM processes, docker exec reaches msb exec in the VMM, docker stop ends it (143)',
    async () => {
      const name = `${prefix}-top`;
      const id = dockerOk(['run', '-d', '--name', name, `--runtime=${aliases.warn}`, 'local/busybox', 'sleep', '100']).trim();
      try {
        const top = dockerOk(['top', name, '-o', 'pid,args']);
        expect(top).toContain('/msb/bin/tini -g -- /bin/sh /msb/entry.sh /msb/pkg/bin/msb run');
        expect(top).toMatch(/\/msb\/pkg\/bin\/msb sandbox .*--name c-[0-9a-f]{12}/);
        // The guest never becomes ready here, so msb exec answers for the sandbox: proof that exec
        // ran msb exec inside the VMM's container rather than the command on the host.
        const exec = docker(['exec', name, 'echo', 'on-the-host?']);
        expect(exec.stdout).not.toContain('on-the-host?');
        expect(exec.status).not.toBe(0);
        expect(`${exec.stdout}${exec.stderr}`).toMatch(/sandbox 'c-[0-9a-f]{12}'/);
        dockerOk(['stop', '-t', '5', name]);
        expect(dockerOk(['inspect', '--format', '{{.State.ExitCode}}', name]).trim()).toBe('143');
      } finally {
        docker(['rm', '-f', name]);
      }
      expect(leftovers(id)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(host.kind !== 'missing')(
    'with hostCheck "warn" and no /dev/kvm, docker run fails with msb\'s own reason and leaves nothing behind',
    async () => {
      const { r, id } = await runToEnd(aliases.warn, ['local/busybox', 'echo', 'hi']);
      expect(r.status).not.toBe(0);
      expect(r.stdout).not.toContain('hi');
      expect(r.stderr).toMatch(/failed to start "c-[0-9a-f]{12}"/);
      expect(leftovers(id)).toEqual([]);
    },
    120_000,
  );

  it('a bind-mounted host socket is refused at create, naming the socket', async () => {
    const { r, id } = await runToEnd(aliases.warn, ['-v', '/var/run/docker.sock:/var/run/docker.sock', 'local/busybox', 'true']);
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('msb: krun: bind mount of socket /var/run/docker.sock at /var/run/docker.sock is not allowed');
    expect(leftovers(id)).toEqual([]);
  });

  it('--privileged is refused at create with the reason', async () => {
    const { r, id } = await runToEnd(aliases.warn, ['--privileged', 'local/busybox', 'true']);
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('msb: krun: --privileged is not supported');
    expect(leftovers(id)).toEqual([]);
  });
});

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => void (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe.skipIf(bootSkip !== undefined)('krun microVMs on a KVM host', () => {
  it('boots the image and runs the command, with the exit code', async () => {
    const ok = await runToEnd(aliases.krun, ['local/busybox', 'sh', '-c', 'echo hi from $(uname -r); exit 7']);
    expect(ok.r.stdout).toMatch(/^hi from /);
    expect(ok.r.status).toBe(7);
    expect(leftovers(ok.id)).toEqual([]);
  }, 120_000);

  it('docker exec runs in the guest with its exit code, and docker stop reaches the workload (128+15)', async () => {
    const name = `${prefix}-exec`;
    dockerOk(['run', '-d', '--name', name, `--runtime=${aliases.krun}`, 'local/busybox', 'sleep', '300']);
    try {
      expect(dockerOk(['exec', name, 'cat', '/proc/1/cmdline'])).not.toContain('tini');
      expect(dockerOk(['exec', '-e', 'X=42', name, 'sh', '-c', 'echo $X'])).toBe('42\n');
      expect(docker(['exec', name, 'sh', '-c', 'exit 5']).status).toBe(5);
      expect(docker(['exec', '-i', name, 'cat'], { input: 'stdin reaches the guest\n' }).stdout).toBe('stdin reaches the guest\n');
      dockerOk(['kill', '-s', 'TERM', name]);
      expect(dockerOk(['wait', name]).trim()).toBe('143');
    } finally {
      docker(['rm', '-f', name]);
    }
  }, 120_000);

  it('docker update resizes the running guest within its boot-time maximum and refuses beyond it', () => {
    const name = `${prefix}-update`;
    dockerOk(['run', '-d', '--name', name, `--runtime=${aliases.krun}`, '-m', '1g', '--memory-reservation', '256m', 'local/busybox', 'sleep', '300']);
    try {
      dockerOk(['update', '--memory', '800m', name]);
      const grown = docker(['exec', name, 'sh', '-c', 'grep MemTotal /proc/meminfo']);
      expect(grown.status).toBe(0);
      const refused = docker(['update', '--memory', '4g', '--memory-swap', '4g', name]);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('msb: krun: cannot grow the guest to');
    } finally {
      docker(['rm', '-f', name]);
    }
  }, 120_000);

  it('published ports reach a server in the guest', async () => {
    const name = `${prefix}-port`;
    dockerOk([
      'run',
      '-d',
      '--name',
      name,
      `--runtime=${aliases.krun}`,
      '-p',
      '127.0.0.1::80',
      'local/busybox',
      'sh',
      '-c',
      'echo krun-page > /www; httpd -f -p 80 -h /',
    ]);
    try {
      const port = Number(dockerOk(['port', name, '80/tcp']).trim().split(':').at(-1));
      let body = '';
      for (let i = 0; i < 50 && body === ''; i++) {
        body = await httpGet(port, '/www').catch(() => '');
        if (body === '') await new Promise((r) => setTimeout(r, 200));
      }
      expect(body).toBe('krun-page\n');
    } finally {
      docker(['rm', '-f', name]);
    }
  }, 120_000);

  it("DNS: Docker's service names resolve from the guest on a user-defined network", () => {
    const net = `${prefix}-net`;
    freshNetwork(net);
    try {
      dockerOk(['run', '-d', '--name', `${prefix}-srv`, '--network', net, 'local/busybox', 'sleep', '120']);
      const out = dockerOk(['run', '--rm', `--runtime=${aliases.krun}`, '--network', net, 'local/busybox', 'nslookup', `${prefix}-srv`]);
      expect(out).toContain(`${prefix}-srv`);
    } finally {
      docker(['rm', '-f', `${prefix}-srv`]);
      docker(['network', 'rm', net]);
    }
  }, 120_000);
});
