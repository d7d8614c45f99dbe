// Mutations of a realistic Docker config.json and of Docker's create argument list, as
// fast-check arbitraries: structured edits aimed at what msb decides on (namespaces, mounts,
// sockets, devices, capabilities, rlimits, annotations, root), any JSON value anywhere, and
// byte-level damage (invalid UTF-8, truncation, flipped bytes).
import fc from 'fast-check';
import { stringifySpec } from '../../src/base/exact-json.js';
import type { FuzzCase, FuzzHost } from './fuzz-host.js';
import { POLICY_NAMES } from './fuzz-host.js';

type Path = (string | number)[];
type Edit = { op: 'set'; path: Path; value: unknown } | { op: 'delete'; path: Path } | { op: 'push'; path: Path; value: unknown };

const PATHS: Path[] = [
  ['ociVersion'],
  ['root'],
  ['root', 'path'],
  ['root', 'readonly'],
  ['process'],
  ['process', 'args'],
  ['process', 'user'],
  ['process', 'user', 'uid'],
  ['process', 'capabilities'],
  ['process', 'capabilities', 'bounding'],
  ['process', 'capabilities', 'effective', 0],
  ['process', 'rlimits'],
  ['process', 'rlimits', 0],
  ['process', 'rlimits', 1, 'hard'],
  ['process', 'rlimits', 0, 'type'],
  ['process', 'terminal'],
  ['process', 'cwd'],
  ['process', 'env'],
  ['mounts'],
  ['mounts', 0],
  ['mounts', 7],
  ['mounts', 7, 'source'],
  ['mounts', 7, 'type'],
  ['mounts', 7, 'options'],
  ['mounts', 8],
  ['mounts', 8, 'source'],
  ['mounts', 8, 'destination'],
  ['hooks'],
  ['hostname'],
  ['annotations'],
  ['linux'],
  ['linux', 'namespaces'],
  ['linux', 'namespaces', 1],
  ['linux', 'namespaces', 1, 'path'],
  ['linux', 'namespaces', 1, 'type'],
  ['linux', 'namespaces', 0, 'path'],
  ['linux', 'devices'],
  ['linux', 'devices', 0],
  ['linux', 'devices', 0, 'major'],
  ['linux', 'resources'],
  ['linux', 'resources', 'devices'],
  ['linux', 'resources', 'devices', 0, 'allow'],
  ['linux', 'resources', 'memory', 'limit'],
  ['linux', 'resources', 'cpu', 'quota'],
  ['linux', 'resources', 'cpu', 'cpus'],
  ['linux', 'resources', 'cpu', 'period'],
  ['linux', 'resources', 'memory', 'reservation'],
  ['linux', 'seccomp'],
  ['linux', 'cgroupsPath'],
  ['linux', 'maskedPaths'],
  ['linux', 'sysctl'],
];

function interesting(host: FuzzHost): unknown[] {
  return [
    '/proc/self/ns/net',
    '/proc/1/ns/net',
    `/proc/${process.pid}/ns/net`,
    '/proc/thread-self/ns/net',
    host.socket,
    host.listenDir,
    '/var/run/docker.sock',
    '/run/docker.sock',
    '/',
    '',
    null,
    true,
    false,
    0,
    -1,
    2 ** 53,
    1e308,
    4294967296,
    'network',
    'user',
    'CAP_SYS_ADMIN',
    ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'],
    { type: 'network' },
    {},
    [],
    '../..',
    'rootfs',
    '/dev/kvm',
    'rbind',
    ['rbind', 'rw'],
    'a'.repeat(300),
    'é\u0000\ud800',
  ];
}

function mounts(host: FuzzHost): unknown[] {
  const bind = (source: string, destination: string) => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate'] });
  return [
    bind('/var/run/docker.sock', '/var/run/docker.sock'),
    bind('/run/docker.sock', '/run/docker.sock'),
    bind(host.socket, '/run/agent.sock'),
    bind(host.listenDir, '/run/listen'),
    bind('/', '/host'),
    bind('/proc/self/ns/net', '/run/netns'),
    bind('/etc/passwd', '/etc/resolv.conf'),
    bind(host.dir, '/etc/resolv.conf'),
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] },
    { destination: 'relative', type: 'bind', source: 'rel' },
    { destination: '/x' },
  ];
}

const ANNOTATIONS: Record<string, string[]> = {
  'io.msb.isolation': ['gvisor', 'krun', 'runc', 'none', '', 'GVISOR'],
  'dev.gvisor.flag.host-uds': ['all', 'open', 'create', 'none', 'yes'],
  'dev.gvisor.flag.network': ['host'],
  'io.msb.control-socket': ['/run/agent/ctl.sock', '/run/a.sock,/run/b.sock', 'relative.sock', '/run/../x.sock'],
  'io.example.trusted': ['yes', 'no'],
  'io.kubernetes.cri.container-type': ['container', 'sandbox'],
  'io.kubernetes.cri.sandbox-id': ['pod1', '../x', ''],
  'io.msb.krun.memory': ['512', '0', '99999999'],
  'io.msb.krun.cpus': ['2', '256'],
  'io.msb.bogus': ['x'],
  'com.docker.compose.service': ['web'],
};

function editArb(host: FuzzHost): fc.Arbitrary<Edit> {
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...interesting(host)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.string() },
  );
  const path = fc.constantFrom(...PATHS);
  const annotation = fc
    .constantFrom(...Object.keys(ANNOTATIONS))
    .chain((k) => fc.constantFrom(...(ANNOTATIONS[k] ?? [''])).map((v): Edit => ({ op: 'set', path: ['annotations', k], value: v })));
  const capSet = fc.constantFrom('bounding', 'effective', 'permitted', 'inheritable', 'ambient');
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), path, value }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), path }) },
    { weight: 3, arbitrary: fc.constantFrom(...mounts(host)).map((m): Edit => ({ op: 'push', path: ['mounts'], value: m })) },
    { weight: 4, arbitrary: annotation },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<unknown>(
          { type: 'network' },
          { type: 'network', path: '/proc/self/ns/net' },
          { type: 'network', path: '/proc/1/ns/net' },
          { type: 'user' },
          { type: 'cgroup' },
          { type: 'time' },
        )
        .map((ns): Edit => ({ op: 'push', path: ['linux', 'namespaces'], value: ns })),
    },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, 3, 4).map((i): Edit => ({ op: 'set', path: ['linux', 'namespaces', i], value: { type: 'pid' } })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<unknown>(
          { path: '/dev/kvm', type: 'c', major: 10, minor: 232 },
          { path: '/dev/sda', type: 'b', major: 8, minor: 0 },
          { path: '/dev/null', type: 'c', major: 1, minor: 3 },
        )
        .map((d): Edit => ({ op: 'push', path: ['linux', 'devices'], value: d })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<unknown>(
          { allow: true, access: 'rwm' },
          { allow: true, type: 'c', major: 10, minor: 232, access: 'rwm' },
          { allow: true, type: 'b', access: 'rw' },
        )
        .map((r): Edit => ({ op: 'push', path: ['linux', 'resources', 'devices'], value: r })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(capSet, fc.constantFrom('CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'CAP_CHOWN', 'NOT_A_CAP'))
        .map(([set, cap]): Edit => ({ op: 'push', path: ['process', 'capabilities', set], value: cap })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<unknown>(
          { type: 'RLIMIT_NOFILE', hard: 1, soft: 1 },
          { type: 'RLIMIT_AS', hard: 2 ** 64, soft: 2 ** 64 },
          { type: 'RLIMIT_BOGUS', hard: 1, soft: 1 },
          { type: 'RLIMIT_CORE', hard: -1, soft: 0 },
          { type: 'RLIMIT_NPROC' },
        )
        .map((r): Edit => ({ op: 'push', path: ['process', 'rlimits'], value: r })),
    },
  );
}

function apply(doc: unknown, e: Edit): unknown {
  const root: { v: unknown } = { v: doc };
  let parent: Record<string | number, unknown> = root as unknown as Record<string, unknown>;
  let key: string | number = 'v';
  for (const step of e.path) {
    let next = parent[key];
    if (next === null || typeof next !== 'object') {
      if (e.op === 'delete') return root.v;
      next = typeof step === 'number' ? [] : {};
      parent[key] = next;
    }
    parent = next as Record<string | number, unknown>;
    key = step;
  }
  if (e.op === 'set') parent[key] = e.value;
  else if (e.op === 'delete') {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete parent[key];
  } else {
    const list = parent[key];
    if (Array.isArray(list)) list.push(e.value);
    else parent[key] = [e.value];
  }
  return root.v;
}

type ByteEdit =
  | { op: 'none' }
  | { op: 'flip'; at: number; bits: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate-key'; key: string };

const byteEditArb: fc.Arbitrary<ByteEdit> = fc.oneof(
  { weight: 16, arbitrary: fc.constant({ op: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0x00], [0x22], [0x5c], [0x7b]).map((b) => [...b]),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate-key' as const), key: fc.constantFrom('linux', 'root', 'process', 'mounts', 'annotations') }) },
);

function applyBytes(text: string, e: ByteEdit): Buffer {
  const b = Buffer.from(text);
  switch (e.op) {
    case 'none':
      return b;
    case 'flip': {
      const at = e.at % b.length;
      b[at] = (b[at] ?? 0) ^ e.bits;
      return b;
    }
    case 'insert': {
      const at = e.at % b.length;
      return Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(at)]);
    }
    case 'truncate':
      return b.subarray(0, e.at % b.length);
    case 'duplicate-key':
      // JSON.parse (and Go's decoder in runsc) keep the last of two equal keys.
      return Buffer.from(text.replace(/^\{/, `{"${e.key}":{},`));
  }
}

/** DOCKER_ARGV is the create call Docker 20.10 makes (measured, DESIGN.md). */
const DOCKER_ARGV = [
  '--root',
  '/var/run/docker/runtime-runc/moby',
  '--log',
  '/b/log.json',
  '--log-format',
  'json',
  'create',
  '--bundle',
  '/b',
  '--pid-file',
  '/b/init.pid',
  'c-fuzz',
];

const ARGV_TOKENS = [
  '--isolation',
  'krun',
  'gvisor',
  '--isolation=krun',
  '--isolation=gvisor',
  '--isolation=runc',
  '--isolation=',
  '--policy',
  '--debug',
  '--systemd-cgroup',
  '--',
  '-',
  '--root=',
  'create',
  'delete',
  '--preserve-fds',
  '3',
  '--console-socket',
  '../x',
  'c/../x',
  '.hidden',
  '',
  'a'.repeat(300),
  '--log-format=xml',
  '--bundle',
  '--no-pivot',
  '--rootless',
  'true',
];

type ArgvEdit = { op: 'insert' | 'replace'; at: number; token: string } | { op: 'delete'; at: number };

const argvEditArb: fc.Arbitrary<ArgvEdit> = fc.oneof(
  fc.record({
    op: fc.constantFrom('insert' as const, 'replace' as const),
    at: fc.nat(),
    token: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ARGV_TOKENS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
);

function applyArgv(argv: string[], e: ArgvEdit): string[] {
  const a = [...argv];
  const at = e.at % (a.length + (e.op === 'insert' ? 1 : 0) || 1);
  if (e.op === 'insert') a.splice(at, 0, e.token);
  else if (e.op === 'replace') a[at] = e.token;
  else a.splice(at, 1);
  return a;
}

/** fuzzCaseArb makes one case: up to 6 edits of the fixture, maybe one byte edit, up to 3 argv edits, a policy. */
export function fuzzCaseArb(host: FuzzHost): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      edits: fc.array(editArb(host), { maxLength: 6 }),
      bytes: byteEditArb,
      // Most cases keep Docker's argv, so that the config.json edits reach create's checks.
      argv: fc.oneof({ weight: 3, arbitrary: fc.constant<ArgvEdit[]>([]) }, { weight: 1, arbitrary: fc.array(argvEditArb, { minLength: 1, maxLength: 3 }) }),
      policy: fc.constantFrom(...POLICY_NAMES),
    })
    .map(({ edits, bytes, argv, policy }) => {
      const doc = edits.reduce((d, e) => apply(d, e), JSON.parse(host.base) as unknown);
      return { config: applyBytes(stringifySpec(doc, host.base), bytes), argv: argv.reduce<string[]>(applyArgv, DOCKER_ARGV), policy };
    });
}
