// The fuzzer's oracle: what must hold of every case. A refusal is a typed MsbError with one line
// of message; a planned container's spec is never weaker than the input and the policy.
import { statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { KVM_DEVICE_RULE } from '../../src/isolation/krun/krun-process.js';
import { MsbError } from '../../src/base/errors.js';
import type { Spec } from '../../src/base/spec.js';
import { type FuzzCase, type FuzzHost, type Outcome, TRUSTED } from './fuzz-host.js';

const ERROR_CODES = new Set([
  'invalid-argument',
  'not-found',
  'already-exists',
  'invalid-spec',
  'invalid-policy',
  'forbidden',
  'unsupported',
  'backend',
  'host-unsupported',
  'internal',
]);

/** refusalProblems: a refusal must be an MsbError with a known code and a one-line, non-empty message. */
function refusalProblems(error: unknown): string[] {
  if (!(error instanceof MsbError)) return [`not an MsbError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`];
  const p: string[] = [];
  if (!ERROR_CODES.has(error.code)) p.push(`unknown code ${error.code}`);
  if (error.code === 'internal') p.push(`an internal error: ${error.message}`);
  if (error.message.trim() === '') p.push('an empty message');
  if (/[\n\r]/.test(error.message)) p.push(`a message of more than one line: ${JSON.stringify(error.message)}`);
  return p;
}

type Ns = { type: string; path?: string };
type Caps = Record<string, unknown>;

const netnsInode = (path: string): string | undefined => {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
};
const HOST_NETNS = netnsInode('/proc/self/ns/net');

function isSocket(path: unknown): boolean {
  if (typeof path !== 'string') return false;
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** plannedProblems compares the planned spec with the input it came from. */
function plannedProblems(host: FuzzHost, c: FuzzCase, outcome: Extract<Outcome, { kind: 'planned' }>): string[] {
  const p: string[] = [];
  let input: Spec;
  try {
    input = JSON.parse(c.config.toString('utf8')) as Spec;
  } catch {
    return ['msb accepted a config.json that is not JSON'];
  }
  const { plan } = outcome;
  const backend = plan.choice.name;
  const out = plan.prepared.spec;
  const policyAllowed = c.policy === 'krun' || c.policy === 'sockets' ? ['krun', 'gvisor'] : ['gvisor']; // fuzz-host.ts's policies
  if (!policyAllowed.includes(backend)) p.push(`backend ${backend} is not allowed by policy ${c.policy}`);

  // gVisor's --pids-limit split (docs/gvisor.md "pids limits"): RLIMIT_NPROC at most N (and at
  // most the user's own) inside the sandbox, the host cgroup N plus the sandbox's own tasks. The
  // checks below then compare against the input with that split applied.
  type Rl = { type?: unknown; soft?: unknown; hard?: unknown };
  const pidsIn = (input.linux?.resources as { pids?: { limit?: unknown } } | undefined)?.pids?.limit;
  const rlIn = input.process?.rlimits;
  if (backend === 'gvisor' && typeof pidsIn === 'number' && Number.isInteger(pidsIn) && pidsIn > 0 && (rlIn === undefined || Array.isArray(rlIn))) {
    const own = ((rlIn ?? []) as Rl[]).find((r) => r.type === 'RLIMIT_NPROC');
    const nproc = ((out.process?.rlimits ?? []) as Rl[]).filter((r) => r.type === 'RLIMIT_NPROC');
    const atMost = (v: unknown, ...caps: unknown[]): boolean => typeof v === 'number' && caps.every((c) => typeof c !== 'number' || v <= c);
    if (nproc.length !== 1 || !atMost(nproc[0]?.soft, pidsIn, own?.soft) || !atMost(nproc[0]?.hard, pidsIn, own?.hard))
      p.push(`RLIMIT_NPROC ${JSON.stringify(nproc)} is not at most the pids limit ${pidsIn}`);
    const hostOut = (out.linux?.resources as { pids?: { limit?: unknown } } | undefined)?.pids?.limit;
    if (typeof hostOut !== 'number' || hostOut < pidsIn) p.push(`host pids limit ${String(hostOut)} is below the user's ${pidsIn}`);
    const resources = input.linux?.resources as Record<string, unknown>;
    input = {
      ...input,
      process: { ...input.process, rlimits: [...((rlIn ?? []) as Rl[]).filter((r) => r.type !== 'RLIMIT_NPROC'), ...nproc] },
      linux: { ...input.linux, resources: { ...resources, pids: { ...(resources.pids as object), limit: hostOut } } },
    };
  }

  // Namespaces: the same list, exactly one network namespace, never the host's.
  const inNs = (input.linux?.namespaces ?? []) as Ns[];
  const outNs = (out.linux?.namespaces ?? []) as Ns[];
  if (!isDeepStrictEqual(outNs, inNs)) p.push(`namespaces changed: ${JSON.stringify(inNs)} → ${JSON.stringify(outNs)}`);
  const net = outNs.filter((n) => n.type === 'network');
  if (net.length !== 1) p.push(`${net.length} network namespaces`);
  for (const n of net) {
    if (n.path) {
      const inode = netnsInode(n.path);
      if (inode === undefined) p.push(`network namespace path ${n.path} cannot be read`);
      else if (inode === HOST_NETNS) p.push(`network namespace ${n.path} is the host's`);
    }
  }

  // Capabilities: no set gains one.
  const capsOf = (s: Spec): Caps => {
    const c = s.process?.capabilities;
    return c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as Caps) : {};
  };
  const inCaps = capsOf(input);
  const outCaps = capsOf(out);
  if (!isDeepStrictEqual(input.process?.capabilities, out.process?.capabilities) && typeof out.process?.capabilities !== 'object')
    p.push('capabilities replaced');
  for (const [set, caps] of Object.entries(outCaps)) {
    if (isDeepStrictEqual(caps, inCaps[set])) continue;
    if (!Array.isArray(caps)) {
      p.push(`capabilities.${set} changed to ${JSON.stringify(caps)}`);
      continue;
    }
    const allowed = Array.isArray(inCaps[set]) ? inCaps[set] : [];
    for (const cap of caps) if (!allowed.some((a) => isDeepStrictEqual(a, cap))) p.push(`capability ${JSON.stringify(cap)} added to ${set}`);
  }

  // Devices and device rules: only the input's (krun adds /dev/kvm for its VMM, and nothing else).
  const linuxOf = (s: Spec) => (s.linux ?? {}) as { devices?: unknown[]; resources?: { devices?: unknown[] } };
  const extraDevices = backend === 'krun' ? [{ path: '/dev/kvm', type: 'c', major: 10, minor: 232, fileMode: 0o660, uid: 0, gid: 0 }] : [];
  const extraRules = backend === 'krun' ? [{ ...KVM_DEVICE_RULE }] : [];
  const list = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
  const subset = (what: string, inV: unknown, outV: unknown, extra: unknown[]): void => {
    if (isDeepStrictEqual(inV, outV)) return; // kept as given (a runtime refuses what is not a list)
    const allowed = [...(list(inV) ?? []), ...extra];
    const out = list(outV);
    if (out === undefined) return void p.push(`${what} changed to ${JSON.stringify(outV)}`);
    for (const d of out) if (!allowed.some((i) => isDeepStrictEqual(i, d))) p.push(`${what}: added ${JSON.stringify(d)}`);
  };
  subset('linux.devices', linuxOf(input).devices, linuxOf(out).devices, extraDevices);
  subset('linux.resources.devices', linuxOf(input).resources?.devices, linuxOf(out).resources?.devices, extraRules);

  // rlimits: the same (krun moves them into the guest: one msb --rlimit per input rlimit).
  const inLimits = (input.process?.rlimits ?? []) as { type: string }[];
  if (backend === 'gvisor') {
    if (!isDeepStrictEqual(out.process?.rlimits, input.process?.rlimits)) p.push('rlimits changed');
  } else {
    const vm = (plan.prepared.summary.vm ?? {}) as { rlimits?: string[] };
    const names = (vm.rlimits ?? []).map((r) => r.split('=')[0]);
    const expected = inLimits.map((r) => r.type.replace(/^RLIMIT_/, '').toLowerCase());
    if (!isDeepStrictEqual(names, expected)) p.push(`guest rlimits ${JSON.stringify(names)} are not the input's ${JSON.stringify(expected)}`);
  }

  // Host Unix sockets: only for containers the policy's rules select (all of them select TRUSTED).
  const [key, value] = TRUSTED.split('=') as [string, string];
  const trusted = c.policy === 'sockets' && input.annotations?.[key] === value;
  const hostSockets = (plan.prepared.summary.hostSockets ?? {}) as { hostUds?: string };
  if (backend === 'gvisor' && hostSockets.hostUds !== 'none' && !trusted) p.push(`--host-uds=${hostSockets.hostUds} without a policy rule`);
  if (backend === 'gvisor' && (plan.prepared.launcher.includes('host-uds') || plan.prepared.launcher.includes('fsgofer-host-uds')) && !trusted)
    p.push('the launcher passes a host-uds flag without a policy rule');
  for (const m of out.mounts ?? []) {
    if (!isSocket(m.source)) continue;
    if (!trusted) p.push(`socket ${String(m.source)} bind-mounted without a policy rule`);
    else if (m.source !== host.socket) p.push(`socket ${String(m.source)} bind-mounted, not the policy's`);
  }

  if (backend === 'gvisor') {
    // gVisor keeps the container's own process, root, seccomp and masks; only resolv.conf's
    // source (msb's copy in the record) and control-socket directories may change.
    for (const field of ['process', 'root', 'hooks', 'hostname'] as const) {
      const a = field === 'process' ? { ...input.process } : input[field];
      const b = field === 'process' ? { ...out.process } : out[field];
      if (!isDeepStrictEqual(a, b)) p.push(`${field} changed`);
    }
    for (const field of ['seccomp', 'maskedPaths', 'readonlyPaths', 'devices', 'sysctl'] as const) {
      if (!isDeepStrictEqual(input.linux?.[field], out.linux?.[field])) p.push(`linux.${field} changed`);
    }
    const keep = (ms: Spec['mounts']) =>
      (ms ?? []).filter((m) => m.destination !== '/etc/resolv.conf' && !(typeof m.source === 'string' && under(m.source, host.controlDir)));
    if (!isDeepStrictEqual(keep(out.mounts), keep(input.mounts))) p.push('mounts changed beyond resolv.conf and control sockets');
    for (const m of out.mounts ?? []) {
      if (typeof m.source === 'string' && under(m.source, host.controlDir) && !trusted)
        p.push(`control-socket directory ${m.source} mounted without a policy rule`);
      if (m.destination === '/etc/resolv.conf' && !(input.mounts ?? []).some((i) => isDeepStrictEqual(i, m)) && !under(String(m.source), plan.paths.dir)) {
        p.push(`resolv.conf from ${String(m.source)}, neither Docker's nor msb's`);
      }
    }
  }
  return p;
}

/** problemsOf is everything wrong with how msb ended one case. */
export function problemsOf(host: FuzzHost, c: FuzzCase, outcome: Outcome): string[] {
  if (outcome.kind !== 'planned') return refusalProblems(outcome.error);
  return plannedProblems(host, c, outcome);
}
