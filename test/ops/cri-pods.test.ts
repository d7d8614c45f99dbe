// Kubernetes pods under msb through containerd's CRI, driven as kubelet drives it (Version,
// RunPodSandbox with runtime handler "msb", CreateContainer, StartContainer, ExecSync,
// StopPodSandbox, RemovePodSandbox) by a gRPC client (src/cri). A private containerd (own root,
// state, socket and config: src/cri/private-containerd.ts) runs the CRI plugin with the msb handler
// pointing at this checkout, Debian's CNI plugins and locally built pause/busybox images; the
// host's and Docker's containerd are not touched, and the Docker lock is not needed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriClient, type PodConfig } from '../../src/cri/cri-client.js';
import { BUSYBOX_IMAGE, importLocalImages } from '../../src/cri/local-images.js';
import {
  cniBinDir,
  ctrArgs,
  mountsUnder,
  pidsMentioning,
  privateContainerdLayout,
  resetPrivateContainerd,
  startPrivateContainerd,
} from '../../src/cri/private-containerd.js';
import { repoRoot } from '../support/paths.js';

const layout = privateContainerdLayout();
const runtime = join(repoRoot, 'shim/msb-runtime');
// The runc shim's Root for the msb handler, plus CRI's namespace: msb's --root.
const msbRoot = join(layout.runcRoot, 'msb', 'k8s.io');
const runscRoot = join(msbRoot, 'msb', 'runsc');
const records = join(msbRoot, 'msb', 'containers');

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'containerd needs root';
  for (const tool of ['containerd', 'ctr', 'gcc', 'runsc']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if (!cniBinDir()) return 'no CNI plugins (apt-get install containernetworking-plugins)';
  if (!existsSync('/bin/busybox')) return '/bin/busybox is missing (apt-get install busybox-static)';
  if (!existsSync(join(repoRoot, 'dist/msb-runtime.cjs'))) return 'msb is not built (npm run build)';
  return undefined;
}
const skip = skipReason();
if (skip) console.warn(`SKIP CRI pod suite: ${skip}`);

let cri: CriClient;
const pods: string[] = [];

function podConfig(name: string): PodConfig {
  const logDirectory = join(layout.run, 'logs', name);
  mkdirSync(logDirectory, { recursive: true });
  return { metadata: { name, uid: `uid-${name}`, namespace: 'msb-test' }, hostname: name, logDirectory };
}

async function runPod(name: string, containers: { name: string; command: string[] }[]): Promise<{ pod: string; config: PodConfig; ids: string[] }> {
  const config = podConfig(name);
  const pod = await cri.runPodSandbox(config, 'msb');
  pods.push(pod);
  const ids: string[] = [];
  for (const c of containers) {
    const id = await cri.createContainer(
      pod,
      { metadata: { name: c.name }, image: { image: BUSYBOX_IMAGE }, command: c.command, logPath: `${c.name}.log` },
      config,
    );
    await cri.startContainer(id);
    ids.push(id);
  }
  return { pod, config, ids };
}

/** sandboxesOf counts the runsc-sandbox processes msb runs for a pod (argv: msb's runsc root and the pod id). */
function sandboxesOf(pod: string): number {
  return pidsMentioning(runscRoot).filter((p) => {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return argv[0] === 'runsc-sandbox' && argv.includes(pod);
    } catch {
      return false;
    }
  }).length;
}

/** sandboxBinary is the executable of a pod's runsc-sandbox process (which runsc the policy chose). */
function sandboxBinary(pod: string): string {
  for (const p of pidsMentioning(pod)) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('runsc-sandbox\0')) return readlinkSync(`/proc/${p}/exe`);
    } catch {
      // exited meanwhile
    }
  }
  return 'no runsc-sandbox found';
}

/** runscProcesses counts the processes whose argv names msb's runsc root, by program: runsc-sandbox, runsc-gofer, runsc (`runsc wait` of a pod container), sh (its keeper). */
function runscProcesses(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of pidsMentioning(runscRoot)) {
    try {
      const name = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]?.split('/').at(-1) ?? '?';
      counts[name] = (counts[name] ?? 0) + 1;
    } catch {
      // exited meanwhile
    }
  }
  return counts;
}

function countDelta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => v !== 0),
  );
}

function formatCounts(c: Record<string, number>): string {
  return Object.entries(c)
    .sort()
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
}

const SERVER = ['sh', '-c', 'while true; do echo "hello from $(hostname)" | nc -l -p 8080; done'];
const SLEEP = ['sleep', '3600'];

// Each pod start is a few runsc calls per container; a loaded CI machine needs minutes, not one.
describe.skipIf(skip !== undefined)('CRI pods under msb (private containerd, runtime handler msb)', { timeout: 240_000 }, () => {
  beforeAll(() => {
    resetPrivateContainerd(layout); // an interrupted earlier run
    startPrivateContainerd(layout, runtime);
    importLocalImages(layout, join(repoRoot, 'src/cri/pause.c'));
    cri = new CriClient(layout.socket, join(repoRoot, 'src/cri'));
  }, 180_000);

  afterAll(async () => {
    for (const pod of pods) {
      await cri?.stopPodSandbox(pod).catch(() => undefined);
      await cri?.removePodSandbox(pod).catch(() => undefined);
    }
    cri?.close();
    resetPrivateContainerd(layout);
  }, 180_000);

  let first: { pod: string; ids: string[] };

  it('runs a two-container pod in one runsc sandbox: the server answers on 127.0.0.1 and on the pod IP', async () => {
    expect((await cri.version()).runtimeName).toBe('containerd');
    first = await runPod('two', [
      { name: 'server', command: SERVER },
      { name: 'client', command: SLEEP },
    ]);
    const ip = await cri.podIp(first.pod);
    expect(ip).toMatch(/^10\.213\.40\.\d+$/);
    const client = first.ids[1] ?? '';
    for (const host of ['127.0.0.1', ip]) {
      // The server's loop listens again a moment after each answer: try a few times.
      const r = await cri.execSync(client, ['sh', '-c', `for i in 1 2 3 4 5; do nc -w 3 ${host} 8080 && exit 0; sleep 1; done; exit 1`]);
      expect({ host, out: r.stdout.trim(), code: r.exitCode }).toEqual({ host, out: 'hello from two', code: 0 });
    }
    console.log(`CRI pod ${first.pod.slice(0, 12)}: ${sandboxesOf(first.pod)} runsc sandbox for pause + 2 containers`);
    expect(sandboxesOf(first.pod)).toBe(1);
  });

  it("keeps a second pod away from the first pod's localhost", async () => {
    const second = await runPod('other', [{ name: 'client', command: SLEEP }]);
    const r = await cri.execSync(second.ids[0] ?? '', ['nc', '-w', '2', '127.0.0.1', '8080']);
    expect(r.stdout).not.toContain('hello');
    expect(r.exitCode).not.toBe(0);
    expect(sandboxesOf(second.pod)).toBe(1);
  });

  it('runs a pod of 5 containers in one runsc sandbox, where 5 pods of one container each run their own', async () => {
    const before = runscProcesses();
    const five = await runPod(
      'five',
      [1, 2, 3, 4, 5].map((n) => ({ name: `c${n}`, command: SLEEP })),
    );
    for (const id of five.ids) expect((await cri.execSync(id, ['true'])).exitCode).toBe(0);
    const afterFive = runscProcesses();
    const singles = [];
    for (const n of [1, 2, 3, 4, 5]) singles.push(await runPod(`single${n}`, [{ name: 'c', command: SLEEP }]));
    for (const s of singles) expect((await cri.execSync(s.ids[0] ?? '', ['true'])).exitCode).toBe(0);
    const ofFive = countDelta(afterFive, before);
    const ofSingles = countDelta(runscProcesses(), afterFive);
    console.log(`the pod's runsc-sandbox runs ${sandboxBinary(five.pod)}`);
    console.log(`processes under msb's runsc root for a pod of 5 containers: ${formatCounts(ofFive)}`);
    console.log(`processes under msb's runsc root for 5 pods of 1 container: ${formatCounts(ofSingles)}`);
    expect(sandboxesOf(five.pod)).toBe(1);
    expect(ofFive['runsc-sandbox']).toBe(1);
    for (const s of singles) expect(sandboxesOf(s.pod)).toBe(1);
    expect(ofSingles['runsc-sandbox']).toBe(5);
  });

  it('leaves nothing behind after StopPodSandbox and RemovePodSandbox', async () => {
    expect(readdirSync(records).length).toBeGreaterThan(0);
    for (const pod of pods.splice(0)) {
      await cri.stopPodSandbox(pod);
      await cri.removePodSandbox(pod);
    }
    const left = [
      ...readdirSync(records).map((r) => `msb record ${r}`),
      ...readdirSync(runscRoot).map((f) => `runsc state ${f}`),
      ...pidsMentioning(msbRoot).map((p) => `process ${p}: ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)}`),
      ...mountsUnder(join(layout.run, 'state')).map((m) => `mount ${m}`),
      ...mountsUnder(layout.runcRoot).map((m) => `mount ${m}`),
    ];
    expect(left).toEqual([]);
  });

  it('refuses a pod container naming a sandbox that does not exist, and leaves no .lock file', () => {
    const bundle = mkdtempSync(join(tmpdir(), 'msb-cri-nosuch-'));
    try {
      mkdirSync(join(bundle, 'rootfs'));
      const spec = {
        ociVersion: '1.0.2',
        process: { args: ['true'], cwd: '/' },
        root: { path: 'rootfs' },
        linux: { namespaces: [{ type: 'network' }, { type: 'mount' }] },
        annotations: { 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': 'nosuchpod' },
      };
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
      const r = spawnSync(runtime, ['--root', msbRoot, 'create', '--bundle', bundle, 'msb-cri-orphan'], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/annotation io\.kubernetes\.cri\.sandbox-id names sandbox nosuchpod, which does not exist/);
      expect(readdirSync(runscRoot).filter((f) => f.includes('nosuchpod') || f.includes('msb-cri-orphan'))).toEqual([]);
      expect(existsSync(join(records, 'msb-cri-orphan'))).toBe(false);
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  });

  it('gives a container run by ctr without CNI a working lo', () => {
    const ctr = (...args: string[]) => spawnSync('ctr', ctrArgs(layout, ...args), { encoding: 'utf8', timeout: 120_000 });
    const r = ctr(
      'run',
      '--rm',
      '--runc-binary',
      runtime,
      BUSYBOX_IMAGE,
      'msb-cri-ctr-lo',
      'sh',
      '-c',
      'nc -l -p 9 -e echo pong & sleep 1; nc -w 2 127.0.0.1 9 </dev/null; ip addr show lo',
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('pong');
    expect(r.stdout).toMatch(/inet 127\.0\.0\.1\/8/);
  });
});
