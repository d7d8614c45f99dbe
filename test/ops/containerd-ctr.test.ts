// containerd's own client runs containers through msb: `ctr run --runc-binary <checkout>/shim/msb-runtime`
// makes containerd's runc v2 shim call msb where it would call runc (the option CRI sets from
// config.toml's BinaryName). Create, start, exec, kill and delete all work, the container sees
// gVisor's kernel, and nothing of msb's is left afterwards. Uses Docker's containerd in a
// namespace of its own. configs/containerd/config.toml is checked with this containerd: it parses,
// and a second containerd (own root, state and socket in a temporary directory) loads CRI with it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/docker.js';
import { repoRoot } from '../support/paths.js';

const NS = 'msb-ops-ctr-test';
const IMAGE = 'docker.io/local/busybox:latest';
const runtime = join(repoRoot, 'shim/msb-runtime');
// The runc v2 shim's default --root for a namespace; msb keeps its state under <root>/msb.
const shimRoot = join('/run/containerd/runc', NS);
const msbRoot = join(shimRoot, 'msb');

const ADDRESSES = ['/run/containerd/containerd.sock', '/var/run/docker/containerd/containerd.sock'];
const address = ADDRESSES.find((a) => existsSync(a));

function sh(cmd: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, input: input ?? '' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'ctr needs root';
  if (sh('sh', ['-c', 'command -v ctr']).status !== 0) return 'ctr (containerd) is not installed';
  if (!address) return `no containerd socket at ${ADDRESSES.join(' or ')}`;
  if (sh('docker', ['image', 'inspect', 'local/busybox']).status !== 0) return 'image local/busybox is missing (run scripts/build-images.sh)';
  if (!existsSync(join(repoRoot, 'dist/msb-runtime.cjs'))) return 'msb is not built (npm run build)';
  return undefined;
}
const skip = skipReason();
if (skip) console.warn(`SKIP containerd ctr suite: ${skip}`);

const ctr = (...args: string[]) => sh('ctr', ['--address', address ?? '', '-n', NS, ...args]);
function ctrOk(...args: string[]): string {
  const r = ctr(...args);
  if (r.status !== 0) throw new Error(`ctr ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** leftovers lists what msb, runsc or the host still hold for a container id. */
function leftovers(id: string): string[] {
  const found: string[] = [];
  if (existsSync(join(msbRoot, 'containers', id))) found.push(`msb record ${join(msbRoot, 'containers', id)}`);
  try {
    for (const f of readdirSync(join(msbRoot, 'runsc'))) if (f.includes(id)) found.push(`runsc state ${f}`);
  } catch {
    // no runsc root yet
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(id) && !cmdline.includes('containerd-shim') && !cmdline.includes('vitest')) found.push(`process ${pid}: ${cmdline.slice(0, 160)}`);
    } catch {
      // exited meanwhile
    }
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(id)) found.push(`mount ${line}`);
  return found;
}

function cleanNamespace(): void {
  for (const id of ctr('tasks', 'ls', '-q').stdout.split('\n').filter(Boolean)) ctr('tasks', 'rm', '-f', id);
  for (const id of ctr('containers', 'ls', '-q').stdout.split('\n').filter(Boolean)) ctr('containers', 'rm', id);
}

describe.skipIf(skip !== undefined)('ctr run --runc-binary shim/msb-runtime', () => {
  beforeAll(() => {
    cleanNamespace(); // an interrupted earlier run
    const saved = spawnSync('docker', ['save', 'local/busybox'], { maxBuffer: 64 << 20, timeout: 60_000 });
    if (saved.status !== 0) throw new Error(`docker save: ${saved.stderr}`);
    const imported = spawnSync('ctr', ['--address', address ?? '', '-n', NS, 'images', 'import', '-'], {
      input: saved.stdout,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
  });

  afterAll(async () => {
    cleanNamespace();
    ctr('images', 'rm', IMAGE);
    // containerd's garbage collector drops the image's content and snapshots shortly after; the
    // namespace can only be removed once it is empty.
    const removed = await waitUntil(() => sh('ctr', ['--address', address ?? '', 'namespaces', 'rm', NS]).status === 0, 30_000);
    rmSync(shimRoot, { recursive: true, force: true }); // the shim's runc root for our namespace (msb's cache)
    if (!removed) throw new Error(`containerd namespace ${NS} could not be removed: ${ctr('snapshots', 'ls').stdout}${ctr('content', 'ls').stdout}`);
  });

  it('runs a container under gVisor and leaves nothing behind', () => {
    const id = 'msb-ops-ctr-run';
    const r = ctr('run', '--rm', '--runc-binary', runtime, IMAGE, id, 'uname', '-r');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('4.4.0'); // gVisor's kernel; the host runs 6.x
    expect(leftovers(id)).toEqual([]);
    expect(ctr('containers', 'ls', '-q').stdout.trim()).toBe('');
  });

  it('create, start, exec, kill and delete each go through msb', async () => {
    const id = 'msb-ops-ctr-life';
    ctrOk('run', '-d', '--runc-binary', runtime, IMAGE, id, 'sleep', '300');
    // The shim recorded msb as this container's runc binary (runc Options field 6, BinaryName).
    const info = JSON.parse(ctrOk('containers', 'info', id)) as { Runtime: { Name: string; Options: { value: string } } };
    expect(info.Runtime.Name).toBe('io.containerd.runc.v2');
    expect(Buffer.from(info.Runtime.Options.value, 'base64').toString()).toContain(runtime);
    // msb was given the shim's root and keeps its record under <root>/msb.
    expect(existsSync(join(msbRoot, 'containers', id, 'record.json'))).toBe(true);
    expect(ctrOk('tasks', 'ls')).toMatch(new RegExp(`^${id}\\s+\\d+\\s+RUNNING$`, 'm'));
    expect(ctrOk('tasks', 'exec', '--exec-id', 'probe', id, 'cat', '/proc/version')).toMatch(/^Linux version 4\.4\.0 /);

    ctrOk('tasks', 'kill', '-s', 'SIGKILL', id);
    expect(await waitUntil(() => /STOPPED/.test(ctr('tasks', 'ls').stdout), 30_000)).toBe(true);
    ctrOk('tasks', 'rm', id);
    ctrOk('containers', 'rm', id);
    expect(leftovers(id)).toEqual([]);
  });

  it('configs/containerd/config.toml parses and registers the msb handler with this containerd', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-ops-containerd-'));
    try {
      const config = join(dir, 'config.toml');
      writeFileSync(config, readFileSync(join(repoRoot, 'configs/containerd/config.toml'), 'utf8').replaceAll('/opt/msb/shim/msb-runtime', runtime));
      const dump = sh('containerd', ['--config', config, 'config', 'dump']);
      expect(dump.status, dump.stderr).toBe(0);
      const section = dump.stdout.split('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.msb]')[1]?.split('\n\n')[0] ?? '';
      expect(section).toMatch(/runtime_type = "io\.containerd\.runc\.v2"/);
      expect(section).toMatch(/pod_annotations = \["io\.msb\.\*", "dev\.gvisor\.flag\.host-uds"\]/);
      expect(dump.stdout).toContain(`[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.msb.options]\n            BinaryName = "${runtime}"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second containerd with the snippet loads its CRI plugin with the msb handler', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-ops-containerd-'));
    const hadDefaultRoot = existsSync('/var/lib/containerd');
    const snippet = readFileSync(join(repoRoot, 'configs/containerd/config.toml'), 'utf8')
      .replaceAll('/opt/msb/shim/msb-runtime', runtime)
      .replace(/^version = 2$/m, '');
    // Top-level keys first (TOML puts a key into the table above it); everything of this instance in dir.
    const config = [
      `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"`,
      snippet,
      `[grpc]\n  address = "${dir}/containerd.sock"`,
      `[plugins."io.containerd.runtime.v1.linux"]\n  runtime_root = "${dir}/runc-v1"`,
      `[plugins."io.containerd.grpc.v1.cri".cni]\n  conf_dir = "${dir}/cni"\n  bin_dir = "${dir}/cni-bin"`,
    ].join('\n\n');
    writeFileSync(join(dir, 'config.toml'), config);
    const log: string[] = [];
    const daemon = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout.on('data', (d: Buffer) => void log.push(d.toString()));
    daemon.stderr.on('data', (d: Buffer) => void log.push(d.toString()));
    const exited = new Promise((resolve) => daemon.on('exit', resolve));
    try {
      const plugins = (): string => sh('ctr', ['--address', join(dir, 'containerd.sock'), 'plugins', 'ls']).stdout;
      expect(await waitUntil(() => /\scri\s/.test(plugins()), 30_000), log.join('')).toBe(true);
      expect(plugins()).toMatch(/^io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok\s*$/m);
      // CRI logs its whole configuration at start: the handler as it will run it.
      await waitUntil(() => log.join('').includes('Start cri plugin with config'), 10_000);
      expect(log.join('')).toContain(
        `msb:{Type:io.containerd.runc.v2 Path: Engine: PodAnnotations:[io.msb.* dev.gvisor.flag.host-uds] ContainerAnnotations:[io.msb.* dev.gvisor.flag.host-uds] Root: Options:map[BinaryName:${runtime} SystemdCgroup:false]`,
      );
    } finally {
      daemon.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync('/var/lib/containerd')).toBe(hadDefaultRoot); // nothing written outside dir
  });
});
