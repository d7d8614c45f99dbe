import type { DeniedLookup } from './denied-names-log.js';
import type { KernelRecord } from './kernel-log.js';
import { LOG_PREFIX } from './nft-ruleset.js';

/** EgressLogEntry is one refusal `msbctl egress log` shows: a lookup the relay refused or a packet the host dropped. */
export interface EgressLogEntry {
  time: string;
  /** The container's id (an id prefix for a connection whose record directory name was shortened). */
  id: string;
  kind: 'lookup' | 'connection';
  /** lookup: the name and type; connection: address, protocol and port. */
  destination: string;
  /** The name looked up (lookups only: a dropped packet carries no name). */
  name?: string;
  /** Why: denied, not-a-peer, rebind → ADDRESS (lookups); the rule that dropped it is not in the kernel's line. */
  reason?: string;
  /** connection: the source address and the host-side interface it came in on. */
  source?: string;
  interface?: string;
}

/**
 * refusedConnection parses a kernel log line of msb's refusing rules (nft-ruleset.ts
 * logPrefix): `msb-egress <key> <id> IN=veth… OUT=… SRC=… DST=… … PROTO=TCP SPT=… DPT=80 …`.
 */
export function refusedConnection(record: KernelRecord, bootMs: number): EgressLogEntry | undefined {
  const m = new RegExp(`^${LOG_PREFIX} ([0-9a-f]{16}) (\\S+) (.*)$`).exec(record.text);
  if (!m) return undefined;
  const fields = new Map<string, string>();
  for (const f of (m[3] ?? '').split(' ')) {
    const eq = f.indexOf('=');
    if (eq > 0 && !fields.has(f.slice(0, eq))) fields.set(f.slice(0, eq), f.slice(eq + 1));
  }
  const dst = fields.get('DST') ?? '?';
  const proto = (fields.get('PROTO') ?? '?').toLowerCase();
  const port = fields.get('DPT');
  const source = fields.get('SRC');
  const iface = fields.get('PHYSIN') || fields.get('IN');
  return {
    time: new Date(bootMs + record.usec / 1000).toISOString(),
    id: m[2] ?? '',
    kind: 'connection',
    destination: `${dst.includes(':') ? `[${dst}]` : dst}${port ? `:${port}` : ''}/${proto}`,
    ...(source ? { source } : {}),
    ...(iface ? { interface: iface } : {}),
  };
}

/** deniedLookupEntry turns a line of the relay's log (denied-names-log.ts) into an entry, or undefined for a line that is not one. */
export function deniedLookupEntry(line: string): EgressLogEntry | undefined {
  let e: Partial<DeniedLookup>;
  try {
    e = JSON.parse(line) as Partial<DeniedLookup>;
  } catch {
    return undefined; // a line cut by a crash mid-write
  }
  if (typeof e.time !== 'string' || typeof e.id !== 'string' || typeof e.name !== 'string') return undefined;
  const reason = e.reason === 'rebind' ? `rebind → ${e.address ?? '?'}` : e.reason === 'denied' && e.rule ? `denied by ${e.rule}` : (e.reason ?? 'denied');
  const suppressed = typeof e.suppressed === 'number' && e.suppressed > 0 ? ` (after ${e.suppressed} more refused lookups not logged: over 20 a second)` : '';
  return { time: e.time, id: e.id, kind: 'lookup', destination: `${e.name} ${e.type ?? ''}`.trim(), name: e.name, reason: reason + suppressed };
}

/** LogFilter selects entries: id prefixes of the containers asked for, and a start time. */
export interface LogFilter {
  ids?: readonly string[];
  sinceMs?: number;
}

/** selectEntries keeps what the filter asks for, oldest first. */
export function selectEntries(entries: readonly EgressLogEntry[], f: LogFilter): EgressLogEntry[] {
  return entries
    .filter((e) => (f.sinceMs === undefined || Date.parse(e.time) >= f.sinceMs) && (f.ids === undefined || f.ids.some((id) => e.id.startsWith(id))))
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** formatEntry is one line of the human form; names maps a container id to its Docker name when known. */
export function formatEntry(e: EgressLogEntry, names: ReadonlyMap<string, string> = new Map()): string {
  const name = [...names.entries()].find(([id]) => id.startsWith(e.id))?.[1];
  const who = `${e.id.slice(0, 12)}${name ? ` (${name})` : ''}`;
  const what =
    e.kind === 'lookup'
      ? `lookup ${e.destination}: ${e.reason ?? 'denied'}`
      : `connection to ${e.destination}${e.source ? ` from ${e.source}` : ''}${e.interface ? ` on ${e.interface}` : ''}: dropped`;
  return `${e.time}  ${who}  ${what}\n`;
}

/**
 * parseSince reads --since: a duration back from now (`90s`, `10m`, `2h`, `1d`) or a date
 * (ISO 8601). Throws a one-line message for anything else.
 */
export function parseSince(text: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (m) return now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`--since ${JSON.stringify(text)}: expected a duration (90s, 10m, 2h, 1d) or a date (2026-12-02T16:00:00Z)`);
  return t;
}
