import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { EGRESS_FILE } from '../egress/host-enforcement.js';
import { DeniedNamesLog } from '../egress/denied-names-log.js';
import { guardChainName, IngressGuard } from './ingress-guard.js';
import { DnsRelay, nftLearn } from './relay.js';
import { netnsChildSource, selfExecutable } from './netns-socket.js';
import { relayLock, relayPaths, RELAY_STATE_DIR, REGISTRATION_FILE } from './paths.js';
import { installIdentity, relayEntry, startRelaySupervisor } from './relay-client.js';
import { parseRegistration, type Registration } from './registration.js';

/** DOCKER_CONTAINERS_DIR is where msb keeps records under Docker's runtime root. */
const DOCKER_CONTAINERS_DIR = '/var/run/docker/runtime-runc/moby/msb/containers';

/** ServeOptions configure `msbctl dns serve` and the auto-started relay. */
export interface ServeOptions {
  stateDir?: string;
  /** Started by the sh supervisor loop: if that loop dies, start a new one and exit. */
  supervised?: boolean;
  log?: (msg: string) => void;
  /** Stops the relay like SIGTERM does (tests). */
  signal?: AbortSignal;
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** acquireLock binds the abstract lock socket, waiting as a standby while another relay holds it. */
async function acquireLock(name: string, log: (m: string) => void): Promise<Server> {
  let warned = false;
  for (;;) {
    const lock = createServer((c) => c.destroy());
    try {
      await listen(lock, name);
      return lock;
    } catch {
      if (!warned) log('another relay is active; waiting to take over');
      warned = true;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** loadRegistration reads a record directory's dns.json and checks that its sandbox still runs in the same netns. */
export function loadRegistration(dir: string): Registration | undefined {
  try {
    // A container with an enforced egress profile has egress.json beside dns.json (written first, at create).
    const egress = existsSync(join(dir, EGRESS_FILE)) ? { egress: JSON.parse(readFileSync(join(dir, EGRESS_FILE), 'utf8')) as unknown } : {};
    const reg = parseRegistration({ ...(JSON.parse(readFileSync(join(dir, REGISTRATION_FILE), 'utf8')) as object), ...egress, dir });
    if (reg.netnsInode !== undefined && statSync(reg.netns).ino !== reg.netnsInode) return undefined; // the pid was reused
    return reg;
  } catch {
    return undefined;
  }
}

/**
 * serveRelay runs the host's DNS relay until SIGTERM: one active instance per host (an abstract
 * socket lock), a control socket for registrations and status, and state rebuilt from the
 * registration files in every known runtime root (so a restarted relay serves what the old one did).
 */
export async function serveRelay(o: ServeOptions = {}): Promise<void> {
  const log = o.log ?? ((m: string) => process.stderr.write(`msb-dns: ${m}\n`));
  const paths = relayPaths(o.stateDir ?? RELAY_STATE_DIR);
  const parent = process.ppid;
  const lock = await acquireLock(relayLock(paths.stateDir), log);
  // Only the host's relay looks at Docker's runtime root unasked; another state directory (the
  // benchmark's) serves the roots and registrations it is given.
  const defaultRoots = paths.stateDir === RELAY_STATE_DIR ? [DOCKER_CONTAINERS_DIR] : [];
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const nsenter =
    ['/usr/bin/nsenter', '/bin/nsenter'].find((p) => existsSync(p)) ?? spawnSync('sh', ['-c', 'command -v nsenter'], { encoding: 'utf8' }).stdout.trim();
  // Everything the relay needs later is taken now: its netns child's text and its own node
  // (/proc/<pid>/exe). A checkout deleted or rebuilt under a running relay cannot break it (issue 15).
  // (Run from TypeScript sources, as unit tests do, there are no built files to take.)
  const built = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  const childSource = built(() => netnsChildSource());
  const guard = new IngressGuard(guardChainName(paths.stateDir, RELAY_STATE_DIR), 53);
  guard.start();
  // nft, for the addresses egress profiles learn from answers (docs/egress.md); absent: such answers fail.
  const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => existsSync(p));
  // Lookups refused under egress profiles, for `msbctl egress log` (bounded: rotated at 1 MiB).
  const denied = new DeniedNamesLog(paths.deniedNames, undefined, log);
  const relay = new DnsRelay({
    nsenter,
    log,
    guard,
    node: selfExecutable(),
    onDenied: (e) => denied.append(e),
    ...(childSource !== undefined ? { childSource } : {}),
    ...(nft ? { learn: nftLearn(nft) } : {}),
  });
  const started = new Date().toISOString();
  const entry = built(() => relayEntry());
  const identity = entry === undefined ? undefined : installIdentity(entry);
  // install says whether the files this relay was started from are still the ones on disk.
  const install = (): Record<string, unknown> => {
    if (entry === undefined) return { entry: null, state: 'unknown' };
    const now = installIdentity(entry);
    return { entry, state: now === undefined ? 'gone' : now === identity ? 'current' : 'changed' };
  };
  const watchers = new Map<string, FSWatcher>();

  const roots = (): string[] => {
    let listed: string[] = [];
    try {
      listed = readFileSync(paths.roots, 'utf8').split('\n').filter(Boolean);
    } catch {
      // none recorded yet
    }
    return [...new Set([...defaultRoots, ...listed])];
  };

  const registerDir = async (dir: string): Promise<boolean> => {
    const reg = loadRegistration(dir);
    if (!reg) return false;
    const known = relay.registry.get(reg.id)?.reg;
    if (!known || known.pid !== reg.pid || known.netnsInode !== reg.netnsInode) await relay.register(reg);
    return true;
  };

  // Rescan: register what the roots hold, forget what they no longer hold (a deleted container's
  // record directory goes away with shim/msb-runtime's delete; nothing else is needed there).
  let scanning = false;
  const rescan = async (): Promise<void> => {
    if (scanning) return;
    scanning = true;
    try {
      for (const root of roots()) {
        if (!watchers.has(root) && existsSync(root)) {
          try {
            watchers.set(
              root,
              watch(root, () => void rescan()),
            );
          } catch {
            // watched by the periodic rescan only
          }
        }
        let ids: string[] = [];
        try {
          ids = readdirSync(root);
        } catch {
          continue;
        }
        for (const id of ids) if (!relay.registry.get(id) && existsSync(join(root, id, REGISTRATION_FILE))) await registerDir(join(root, id));
      }
      for (const e of relay.registry.entries()) {
        if (!e.reg.dir) continue; // synthetic registrations live until unregistered
        const current = existsSync(join(e.reg.dir, REGISTRATION_FILE)) ? loadRegistration(e.reg.dir) : undefined;
        if (!current) await relay.unregister(e.reg.id);
        else if (current.pid !== e.reg.pid || current.netnsInode !== e.reg.netnsInode) await relay.register(current); // re-created under the same id
      }
    } finally {
      scanning = false;
    }
  };

  const control = createServer({ allowHalfOpen: true }, (c) => {
    let text = '';
    c.on('error', () => undefined);
    c.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.length > 65536) c.destroy();
    });
    c.on('end', () => {
      void handle(text).then(
        (reply) => c.end(`${JSON.stringify(reply)}\n`),
        (err: Error) => c.end(`${JSON.stringify({ ok: false, error: err.message })}\n`),
      );
    });
  });

  const handle = async (text: string): Promise<object> => {
    const req = JSON.parse(text) as { op?: string; dir?: string; id?: string; registration?: unknown };
    switch (req.op) {
      case 'ping':
        return { ok: true, pid: process.pid };
      case 'register':
        if (typeof req.dir === 'string') {
          if (!(await registerDir(req.dir))) return { ok: false, error: `no usable ${REGISTRATION_FILE} in ${req.dir}` };
          return { ok: true };
        }
        await relay.register(parseRegistration(req.registration));
        return { ok: true };
      case 'unregister':
        if (typeof req.id !== 'string') return { ok: false, error: 'unregister needs an id' };
        await relay.unregister(req.id);
        return { ok: true };
      case 'status':
        return { ok: true, ...statusOf(relay, { pid: process.pid, started, roots: roots(), control: paths.control, install: install() }) };
      default:
        return { ok: false, error: `unknown op ${JSON.stringify(req.op)}` };
    }
  };

  rmSync(paths.control, { force: true }); // a killed relay leaves its socket file; we hold the lock
  await listen(control, paths.control);
  await rescan();
  log(`serving on ${paths.control} (pid ${process.pid}), ${relay.registry.entries().length} containers`);
  const timer = setInterval(() => {
    void rescan();
    if (o.supervised && process.ppid !== parent && entry !== undefined && installIdentity(entry) !== undefined) {
      // The supervisor loop died: start a new one, which starts a relay that takes over our lock.
      // (If our install is gone there is nothing to start: keep serving, we need none of its files.)
      startRelaySupervisor(paths.stateDir);
      process.exit(0);
    }
  }, 1000);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    o.signal?.addEventListener('abort', stop, { once: true });
  });
  clearInterval(timer);
  for (const w of watchers.values()) w.close();
  control.close();
  await relay.close();
  lock.close();
}

/** statusOf describes what a relay serves, per network (gateway) and container. */
function statusOf(relay: DnsRelay, extra: Record<string, unknown>): Record<string, unknown> {
  const containers = relay.registry.entries().map((e) => ({
    id: e.reg.id,
    addresses: e.reg.addresses,
    gateways: e.reg.gateways,
    upstreams: e.reg.upstreams,
    pid: e.reg.pid,
    ...(e.reg.egress
      ? { egress: { names: e.reg.egress.names.length, otherNames: e.reg.egress.otherNames, dnsRebindProtection: e.reg.egress.dnsRebindProtection } }
      : {}),
    registeredAt: e.registeredAt,
    queries: e.queries,
    ...countersOf(relay.stateOf(e.reg.id)),
  }));
  return {
    ...extra,
    rssBytes: process.memoryUsage().rss,
    networks: relay.listening().map((l) => ({ ...l, containers: containers.filter((c) => c.gateways.includes(l.address)).map((c) => c.id) })),
    containers,
    counters: relay.counters,
    health: relay.health,
  };
}

function countersOf(st: ReturnType<DnsRelay['stateOf']>): Record<string, number> {
  if (!st) return {};
  const { channel: _channel, open: _open, ...counters } = st;
  return counters;
}
