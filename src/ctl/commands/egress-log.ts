import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { relayPaths } from '../../dns/paths.js';
import { deniedLookupEntry, type EgressLogEntry, formatEntry, parseSince, refusedConnection, selectEntries } from '../../egress/egress-log.js';
import { bootTimeMs, type KernelRecord, KmsgReader } from '../../egress/kernel-log.js';
import { MsbError } from '../../base/errors.js';

/** EgressLogOptions are `msbctl egress log [CONTAINER] [--since T] [--json] [--follow] [--state-dir D]`. */
export interface EgressLogOptions {
  container?: string;
  since?: string;
  json: boolean;
  follow: boolean;
  /** The DNS relay's state directory (its log of refused lookups). */
  stateDir?: string;
}

/** EgressLogSystem is the boundary: the kernel's log, the relay's files, docker, the clock. */
export interface EgressLogSystem {
  kernel: () => { next: () => KernelRecord[]; close: () => void };
  bootMs: () => number;
  /** The bytes of a file from offset on ('' when it does not exist) and its size. */
  readFrom: (path: string, offset: number) => { text: string; size: number };
  docker: (args: string[]) => { status: number | null; stdout: string };
  /** Resolves after ms, or never again when the command is to stop (SIGINT). */
  sleep: (ms: number) => Promise<boolean>;
}

function readFrom(path: string, offset: number): { text: string; size: number } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { text: '', size: 0 };
  }
  if (size <= offset) return { text: '', size };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    return { text: buf.subarray(0, n).toString('utf8'), size: offset + n };
  } finally {
    closeSync(fd);
  }
}

/** realSystem is the host. sleep resolves false once SIGINT or SIGTERM came. */
function realSystem(): EgressLogSystem {
  let stopped = false;
  const stop = (): void => void (stopped = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    kernel: () => new KmsgReader(),
    bootMs: () => bootTimeMs(),
    readFrom,
    docker: (args) => spawnSync('docker', args, { encoding: 'utf8', timeout: 20_000 }),
    sleep: (ms) => new Promise((r) => setTimeout(() => r(!stopped), ms)),
  };
}

/**
 * containerIds turns CONTAINER into id prefixes: docker inspect resolves a name or an id prefix
 * of an existing container; a hex string docker does not know is taken as the id prefix of a
 * removed one (its refusals keep its id).
 */
function containerIds(container: string | undefined, sys: EgressLogSystem): string[] | undefined {
  if (container === undefined) return undefined;
  if (/^[0-9a-f]{64}$/.test(container)) return [container];
  const r = sys.docker(['inspect', '--type', 'container', '--format', '{{.Id}}', container]);
  const id = r.stdout.trim();
  if (r.status === 0 && /^[0-9a-f]{64}$/.test(id)) return [id];
  if (/^[0-9a-f]+$/.test(container)) return [container];
  throw new MsbError('not-found', `no container ${container}: docker inspect does not know it (give an id prefix for a removed container)`);
}

/** dockerNames maps ids to Docker's container names, when docker answers (names are a courtesy). */
function dockerNames(sys: EgressLogSystem): Map<string, string> {
  const r = sys.docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Names}}']);
  if (r.status !== 0) return new Map();
  return new Map(
    r.stdout.split('\n').flatMap((l) => {
      const [id, name] = l.split('\t');
      return id && name ? [[id, name] as [string, string]] : [];
    }),
  );
}

/**
 * egressLogCommand prints what egress profiles refused: the lookups the DNS relay answered
 * NXDOMAIN (its log in the state directory) and the packets the host dropped (the kernel's log
 * lines of msb's refusing rules, which are rate-limited per rule). --follow keeps printing new
 * ones until interrupted.
 */
export async function egressLogCommand(
  o: EgressLogOptions,
  out: (s: string) => void = (s) => process.stdout.write(s),
  sys: EgressLogSystem = realSystem(),
): Promise<void> {
  let sinceMs: number | undefined;
  try {
    sinceMs = o.since === undefined ? undefined : parseSince(o.since);
  } catch (err) {
    throw new MsbError('invalid-argument', (err as Error).message);
  }
  const ids = containerIds(o.container, sys);
  const names = o.json ? new Map<string, string>() : dockerNames(sys);
  const path = relayPaths(o.stateDir).deniedNames;
  let kernel: ReturnType<EgressLogSystem['kernel']>;
  try {
    kernel = sys.kernel();
  } catch (err) {
    throw new MsbError('host-unsupported', `cannot read the kernel's log (/dev/kmsg): ${(err as Error).message}`);
  }
  const bootMs = sys.bootMs();
  const offsets = new Map<string, number>();
  const lookups = (files: string[]): EgressLogEntry[] =>
    files.flatMap((f) => {
      const before = offsets.get(f) ?? 0;
      let r = sys.readFrom(f, before);
      if (r.size < before) r = sys.readFrom(f, 0); // rotated since: the file is new
      // Keep a partial last line for the next round.
      const complete = r.text.slice(0, r.text.lastIndexOf('\n') + 1);
      offsets.set(f, (r.size < before ? 0 : before) + Buffer.byteLength(complete));
      return complete.split('\n').flatMap((l) => deniedLookupEntry(l) ?? []);
    });
  const print = (entries: EgressLogEntry[]): void => {
    for (const e of selectEntries(entries, { ...(ids ? { ids } : {}), ...(sinceMs !== undefined ? { sinceMs } : {}) }))
      out(o.json ? `${JSON.stringify(e)}\n` : formatEntry(e, names));
  };
  const connections = (): EgressLogEntry[] => kernel.next().flatMap((r) => refusedConnection(r, bootMs) ?? []);
  try {
    print([...lookups([`${path}.1`, path]), ...connections()]);
    while (o.follow && (await sys.sleep(500))) print([...lookups([path]), ...connections()]);
  } finally {
    kernel.close();
  }
}
