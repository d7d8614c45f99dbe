import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PrivateContainerdLayout names every path of msb's own containerd for CRI tests and bench. */
export interface PrivateContainerdLayout {
  /** containerd's --root (images, snapshots). */
  root: string;
  /** Everything else: state, sockets, config, CNI config, IPAM, logs. */
  run: string;
  socket: string;
  config: string;
  pidFile: string;
  log: string;
  cniConfDir: string;
  /** The runc shim's --root (Root option) for every handler: msb keeps its state under <runcRoot>/k8s.io/msb. */
  runcRoot: string;
  /** The bridge the pods' veths hang off, and its subnet. */
  bridge: string;
  subnet: string;
}

/**
 * privateContainerdLayout is where the CRI tests and bench keep their containerd: apart from the
 * host's /run/containerd and Docker's, so neither is touched.
 */
export function privateContainerdLayout(root = '/var/lib/msb-cri-test', run = '/run/msb-cri-test'): PrivateContainerdLayout {
  return {
    root,
    run,
    socket: join(run, 'containerd.sock'),
    config: join(run, 'config.toml'),
    pidFile: join(run, 'containerd.pid'),
    log: join(run, 'containerd.log'),
    cniConfDir: join(run, 'cni'),
    runcRoot: join(run, 'runc'),
    bridge: 'msbcri0',
    subnet: '10.213.40.0/24',
  };
}

/** CNI_BIN_DIRS are where Debian (containernetworking-plugins) and upstream install the CNI plugins. */
const CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];

/** PAUSE_IMAGE is the pod sandbox image msb builds locally (no registry is reachable from CI). */
export const PAUSE_IMAGE = 'docker.io/local/pause:msb';

/**
 * containerdConfig is the private containerd's config.toml: CRI with the `msb` handler pointing at
 * this checkout's shim/msb-runtime through the runc v2 shim (as configs/containerd/config.toml
 * does), `runc` kept as the default (containerd 1.6 refuses CRI without it), CNI from Debian.
 */
function containerdConfig(l: PrivateContainerdLayout, msbRuntime: string, cniBinDir: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${JSON.stringify(l.root)}`,
    `state = ${JSON.stringify(join(l.run, 'state'))}`,
    '[grpc]',
    `  address = ${JSON.stringify(l.socket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${l.socket}.ttrpc`)}`,
    `[${cri}]`,
    `  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    // Without CAP_SYS_RESOURCE (not in this host's bounding set) no runtime can lower
    // oom_score_adj to the -998 CRI gives the pause container; clamp it to containerd's own, as
    // rootless nodes do (runc and runsc both fail otherwise).
    '  restrict_oom_score_adj = true',
    `[${cri}.cni]`,
    `  bin_dir = ${JSON.stringify(cniBinDir)}`,
    `  conf_dir = ${JSON.stringify(l.cniConfDir)}`,
    `[${cri}.containerd]`,
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    `  Root = ${JSON.stringify(join(l.runcRoot, 'runc'))}`,
    `[${cri}.containerd.runtimes.msb]`,
    '  runtime_type = "io.containerd.runc.v2"',
    '  pod_annotations = ["io.msb.*"]',
    '  container_annotations = ["io.msb.*"]',
    `[${cri}.containerd.runtimes.msb.options]`,
    `  BinaryName = ${JSON.stringify(msbRuntime)}`,
    `  Root = ${JSON.stringify(join(l.runcRoot, 'msb'))}`,
    '  SystemdCgroup = false',
    '',
  ].join('\n');
}

/** cniConfig is a bridge network with host-local addresses (containerd adds the loopback plugin itself). */
function cniConfig(l: PrivateContainerdLayout): string {
  return `${JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'msb-cri-test',
      plugins: [
        {
          type: 'bridge',
          bridge: l.bridge,
          isGateway: true,
          ipMasq: false,
          ipam: { type: 'host-local', ranges: [[{ subnet: l.subnet }]], dataDir: join(l.run, 'ipam') },
        },
      ],
    },
    null,
    2,
  )}\n`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('containerd\0');
  } catch {
    return false;
  }
}

function runningPid(l: PrivateContainerdLayout): number | undefined {
  try {
    const pid = Number(readFileSync(l.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** ctrArgs prefixes a ctr command line with the private containerd's socket and CRI's namespace. */
export function ctrArgs(l: PrivateContainerdLayout, ...args: string[]): string[] {
  return ['--address', l.socket, '--namespace', 'k8s.io', ...args];
}

/** cniBinDir is the first directory holding the bridge and loopback plugins, or undefined. */
export function cniBinDir(): string | undefined {
  return CNI_BIN_DIRS.find((d) => existsSync(join(d, 'bridge')) && existsSync(join(d, 'loopback')) && existsSync(join(d, 'host-local')));
}

/**
 * startPrivateContainerd (re)writes the config and starts containerd unless the one from an
 * earlier call still runs with the same config (idempotent); it returns once the socket answers.
 */
export function startPrivateContainerd(l: PrivateContainerdLayout, msbRuntime: string): void {
  const bin = cniBinDir();
  if (!bin) throw new Error(`no CNI plugins (bridge, loopback, host-local) in ${CNI_BIN_DIRS.join(' or ')}: apt-get install containernetworking-plugins`);
  mkdirSync(l.cniConfDir, { recursive: true, mode: 0o700 });
  mkdirSync(l.root, { recursive: true, mode: 0o700 });
  const conflist = join(l.cniConfDir, '10-msb-cri-test.conflist');
  // containerd watches the directory: rewrite only a changed file, and in one rename.
  if (!existsSync(conflist) || readFileSync(conflist, 'utf8') !== cniConfig(l)) {
    writeFileSync(`${conflist}.tmp`, cniConfig(l));
    renameSync(`${conflist}.tmp`, conflist);
  }
  const config = containerdConfig(l, msbRuntime, bin);
  const pid = runningPid(l);
  if (pid !== undefined) {
    if (existsSync(l.config) && readFileSync(l.config, 'utf8') === config) return;
    stopPrivateContainerd(l);
  }
  writeFileSync(l.config, config);
  const log = openSync(l.log, 'a');
  const child = spawn('containerd', ['--config', l.config], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  writeFileSync(l.pidFile, `${child.pid}\n`);
  for (let i = 0; i < 200; i++) {
    if (existsSync(l.socket) && spawnSync('ctr', ctrArgs(l, 'version'), { stdio: 'ignore', timeout: 5000 }).status === 0) return;
    if (child.exitCode !== null || !alive(child.pid ?? 0)) break;
    sleepMs(100);
  }
  const tail = existsSync(l.log) ? readFileSync(l.log, 'utf8').split('\n').slice(-5).join('\n') : '';
  throw new Error(`containerd --config ${l.config} did not come up (log ${l.log}):\n${tail}`);
}

/** stopPrivateContainerd stops the private containerd (TERM, then KILL) and removes its socket; the shims it started end with their containers. */
function stopPrivateContainerd(l: PrivateContainerdLayout): void {
  const pid = runningPid(l);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid); i++) sleepMs(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(l.pidFile, { force: true });
  rmSync(l.socket, { force: true });
}

/** pidsMentioning lists the processes whose argv has an element containing `text`, this process excluded. */
export function pidsMentioning(text: string): number[] {
  const found: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (
        readFileSync(`/proc/${p}/cmdline`, 'utf8')
          .split('\0')
          .some((a) => a.includes(text))
      )
        found.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** mountsUnder lists the mount points below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * resetPrivateContainerd removes every trace of the private containerd: containerd itself, its
 * shims and everything they run (found by the run directory in their argv: --address, --root,
 * --log), its mounts, its directories and its bridge. Used before a suite (an interrupted earlier
 * run) and after it; other containerds and Docker are not touched.
 */
export function resetPrivateContainerd(l: PrivateContainerdLayout): void {
  stopPrivateContainerd(l);
  for (let i = 0; i < 50; i++) {
    const pids = pidsMentioning(l.run);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    sleepMs(100);
  }
  for (const dir of [l.run, l.root]) for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  rmSync(l.run, { recursive: true, force: true });
  rmSync(l.root, { recursive: true, force: true });
  spawnSync('ip', ['link', 'del', l.bridge], { stdio: 'ignore' });
}
