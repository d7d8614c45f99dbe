// create's boundaries that can be injected without root: the policy (named by --policy or by the
// injected env's MSB_POLICY), and through it the runsc binary, here a recording fake. Real
// runsc, Docker and the lifecycle are covered by test/lifecycle and test/docker.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MsbError, type ErrorCode } from '../../base/errors.js';
import { defaultGlobalOptions, type GlobalOptions } from '../global-options.js';
import { containerPaths } from '../../base/paths.js';
import type { ContainerRecord } from '../../base/record.js';
import { create, type CreateOptions } from './create.js';
import { makeFakeRunsc } from '../../../test/support/fake-runsc.js';

const base = mkdtempSync(join(tmpdir(), 'msb-create-unit-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

// A recording fake runsc (test/support/fake-runsc.ts).
const fakeDir = join(base, 'fake runsc');
const fake = makeFakeRunsc(fakeDir);
const runsc = fake.path;
const calls = fake.calls;

let caseNo = 0;
let root = '';
let bundle = '';
let log = '';
let dockerResolv = '';
let policyPath = '';
let id = '';

function writePolicy(path: string, extra: Record<string, unknown> = {}): void {
  writeFileSync(path, JSON.stringify({ gvisor: { runsc, rmemWorkaround: 'never' }, dns: { upstreams: ['9.9.9.9'] }, ...extra }));
}

function spec(annotations?: Record<string, string>): Record<string, unknown> {
  return {
    ociVersion: '1.0.2-dev',
    process: { args: ['sleep', '60'], cwd: '/' },
    root: { path: 'rootfs' },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/etc/resolv.conf', type: 'bind', source: dockerResolv, options: ['rbind', 'rprivate'] },
    ],
    hooks: { prestart: [{ path: '/proc/1/exe', args: ['libnetwork-setkey'] }] },
    linux: { namespaces: [{ type: 'pid' }, { type: 'network' }] },
    annotations,
    'x-unknown': { kept: [1, 2] },
  };
}

beforeEach(() => {
  const dir = join(base, `case ${caseNo++}`);
  root = join(dir, 'root');
  bundle = join(dir, "bundle 'b'");
  log = join(dir, 'log.json');
  dockerResolv = join(dir, 'docker resolv.conf');
  policyPath = join(dir, 'policy.json');
  id = `c${caseNo}`;
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  writeFileSync(dockerResolv, 'search svc.example\nnameserver 127.0.0.11\noptions ndots:0\n');
  writeFileSync(join(bundle, 'config.json'), `${JSON.stringify(spec(), null, 2)}\n`);
  writePolicy(policyPath);
  fake.reset();
});

function globals(extra: Partial<GlobalOptions> = {}): GlobalOptions {
  return { ...defaultGlobalOptions(), root, log, logFormat: 'json', policy: policyPath, ...extra };
}

function failure(fn: () => void): MsbError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    return err as MsbError;
  }
  throw new Error('expected create to fail');
}

describe('create with a fake runsc', () => {
  it("records the container, rewrites resolv.conf and calls runsc create with Docker's flags", () => {
    const original = readFileSync(join(bundle, 'config.json'), 'utf8');
    const pidFile = join(bundle, 'init.pid');
    create(globals(), id, { bundle, pidFile, consoleSocket: '/tmp/console.sock' }, {});
    const paths = containerPaths(root, id);

    expect(calls()).toEqual([
      [
        '--root',
        join(paths.stateDir, 'runsc'),
        '--platform=systrap',
        '--overlay2=none',
        '--log',
        log,
        '--log-format',
        'json',
        'create',
        '--bundle',
        bundle,
        '--pid-file',
        pidFile,
        '--console-socket',
        '/tmp/console.sock',
        id,
      ],
    ]);

    const record = JSON.parse(readFileSync(paths.record, 'utf8')) as ContainerRecord;
    expect(record).toMatchObject({
      id,
      backend: 'gvisor',
      bundle,
      selection: ['annotation io.msb.isolation: not set', 'runtime argument --isolation: not set', `policy default (${policyPath}): gvisor (chosen)`],
    });
    expect(record.backendSummary).toMatchObject({ runsc, runscVersion: 'release-20240807.0', platform: 'systrap', rmemWorkaround: { apply: false } });
    expect(readFileSync(paths.originalConfig, 'utf8')).toBe(original);
    expect(readFileSync(paths.launcher, 'utf8')).toContain('msb_backend=gvisor');

    // config.json: only the resolv.conf mount source changed.
    const rewritten = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Record<string, unknown>;
    const expected = JSON.parse(original) as { mounts: { source: string }[] };
    (expected.mounts[1] as { source: string }).source = join(paths.dir, 'resolv.conf');
    expect(rewritten).toEqual(expected);
    expect(readFileSync(join(paths.dir, 'resolv.conf'), 'utf8')).toMatch(
      /^# Generated by msb: [^\n]*\n# Docker's file: [^\n]*\nsearch svc\.example\nnameserver 9\.9\.9\.9\noptions ndots:0\n$/,
    );
    expect(readFileSync(dockerResolv, 'utf8')).toBe('search svc.example\nnameserver 127.0.0.11\noptions ndots:0\n'); // Docker's file is never edited
    expect(existsSync(log)).toBe(false); // no debug lines without --debug
  });

  it('passes --systemd-cgroup on to runsc, for create and (through the launcher) every later command', () => {
    create(globals({ systemdCgroup: true }), id, { bundle }, {});
    expect(calls()[0]?.slice(0, 5)).toEqual([
      '--root',
      join(containerPaths(root, id).stateDir, 'runsc'),
      '--platform=systrap',
      '--overlay2=none',
      '--systemd-cgroup',
    ]);
    expect(readFileSync(containerPaths(root, id).launcher, 'utf8')).toContain("'--platform=systrap' '--overlay2=none' '--systemd-cgroup' \"$@\"");
  });

  it('with --debug logs why the backend was chosen and what runsc setup it uses', () => {
    create(globals({ debug: true }), id, { bundle }, {});
    const msgs = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(msgs.every((m) => m.level === 'debug')).toBe(true);
    expect(msgs.map((m) => m.msg)).toEqual(
      expect.arrayContaining([
        `isolation for ${id}: gvisor (annotation io.msb.isolation: not set; runtime argument --isolation: not set; policy default (${policyPath}): gvisor (chosen))`,
        expect.stringMatching(
          /^gvisor: runsc .* \(release-20240807\.0\), platform systrap; rmem_default workaround not needed: policy gvisor\.rmemWorkaround=never$/,
        ),
      ]),
    );
    expect(calls()[0]).toContain('--debug');
  });

  it("fills msb's resolv.conf again after runsc create, when Docker's hook has written its file", () => {
    fake.onCreate(`printf 'search late.example\\nnameserver 127.0.0.11\\n' >'${dockerResolv.replaceAll("'", `'\\''`)}'`);
    create(globals(), id, { bundle }, {});
    expect(readFileSync(join(containerPaths(root, id).dir, 'resolv.conf'), 'utf8')).toMatch(/\nsearch late\.example\nnameserver 9\.9\.9\.9\n$/);
  });

  it("takes the policy from the injected env's MSB_POLICY when --policy is not given", () => {
    const other = join(base, `env-policy-${caseNo}.json`);
    writePolicy(other, { isolation: { allowed: ['krun'] } });
    const err = failure(() => create(globals({ policy: undefined }), id, { bundle }, { MSB_POLICY: other }));
    expect(err.code).toBe('forbidden');
    expect(err.message).toContain(other);
  });

  it("on a runsc failure reports runsc's last error, removes the record and restores config.json", () => {
    writeFileSync(log, '{"level":"error","msg":"an earlier command\'s error","time":"t"}\n');
    fake.failWith('cannot run with network enabled in root network namespace');
    const original = readFileSync(join(bundle, 'config.json'), 'utf8');
    const err = failure(() => create(globals(), id, { bundle }, {}));
    expect(err.code).toBe('backend');
    expect(err.message).toBe('gvisor: create failed (exit 1): cannot run with network enabled in root network namespace');
    expect(existsSync(containerPaths(root, id).dir)).toBe(false);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
    // The failure path stops runsc's processes for the id (none here) and calls runsc delete
    // --force only when runsc left a record: this fake runsc left none (runsc-cleanup.ts).
    const made = calls();
    expect(made).toHaveLength(1);
    expect(made[0]).toContain('create');
  });

  // Issue 15 (4): bytes that are not UTF-8 (here in an env value) must come back exactly, not as U+FFFD.
  function withInvalidUtf8(): Buffer {
    const text = `${JSON.stringify({ ...spec(), process: { args: ['sh'], cwd: '/', env: ['X=@@'] } }, null, 2)}\n`;
    const [head, tail] = text.split('@@');
    const bytes = Buffer.concat([Buffer.from(head ?? ''), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(tail ?? '')]);
    writeFileSync(join(bundle, 'config.json'), bytes);
    return bytes;
  }

  it("keeps config.json byte-exact through create and the shim's delete, invalid UTF-8 and a rewrite included", () => {
    const bytes = withInvalidUtf8();
    create(globals(), id, { bundle }, {});
    const paths = containerPaths(root, id);
    expect(readFileSync(paths.originalConfig).equals(bytes)).toBe(true);
    expect(readFileSync(join(bundle, 'config.json')).equals(bytes)).toBe(false); // resolv.conf was rewritten
    const shim = fileURLToPath(new URL('../../../shim/msb-runtime', import.meta.url));
    execFileSync(shim, ['--root', root, '--log', log, '--log-format', 'json', 'delete', id], { stdio: 'pipe' });
    expect(existsSync(paths.dir)).toBe(false);
    expect(readFileSync(join(bundle, 'config.json')).equals(bytes)).toBe(true);
  });

  it('restores config.json byte-exact after a failed create, invalid UTF-8 included', () => {
    const bytes = withInvalidUtf8();
    fake.failWith('no');
    failure(() => create(globals(), id, { bundle }, {}));
    expect(readFileSync(join(bundle, 'config.json')).equals(bytes)).toBe(true);
  });

  it('refuses --preserve-fds before anything is written or run', () => {
    const original = readFileSync(join(bundle, 'config.json'), 'utf8');
    const err = failure(() => create(globals(), id, { bundle, preserveFds: '1' }, {}));
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain('--preserve-fds 1 is not supported');
    expect(existsSync(containerPaths(root, id).dir)).toBe(false);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
    expect(calls()).toEqual([]);
  });

  it('refuses an id that is taken and leaves the existing record alone', () => {
    const paths = containerPaths(root, id);
    mkdirSync(paths.dir, { recursive: true });
    writeFileSync(paths.record, 'existing');
    const original = readFileSync(join(bundle, 'config.json'), 'utf8');
    const err = failure(() => create(globals(), id, { bundle }, {}));
    expect(err.code).toBe('already-exists');
    expect(err.message).toBe(`container with id ${id} already exists`);
    expect(readFileSync(paths.record, 'utf8')).toBe('existing');
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
    expect(calls()).toEqual([]);
  });
});

describe('create with host sockets (fake runsc)', () => {
  function withAnnotations(annotations: Record<string, string>, extraMounts: Record<string, unknown>[] = []): void {
    const s = spec(annotations) as { mounts: Record<string, unknown>[] };
    s.mounts.push(...extraMounts);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(s));
  }

  async function listening(path: string): Promise<Server> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return server;
  }

  it('makes the control-socket directory, mounts it, gives runsc --host-uds=create and records the host path', () => {
    const controlDirectory = join(base, `control ${caseNo}`);
    writePolicy(policyPath, { sockets: { control: [{}], controlDirectory } });
    withAnnotations({ 'io.msb.control-socket': '/run/agent/ctl.sock' });
    create(globals(), id, { bundle }, {});
    const paths = containerPaths(root, id);
    const hostDir = join(controlDirectory, id, '0');
    expect(existsSync(hostDir)).toBe(true);
    expect(calls().at(-1)).toContain('--host-uds=create');
    expect(readFileSync(paths.launcher, 'utf8')).toContain('\'--host-uds=create\' "$@"');
    expect(readFileSync(paths.launcher, 'utf8')).toContain(`msb_cleanup() { rm -rf -- '${join(controlDirectory, id)}'; :; }`);
    const record = JSON.parse(readFileSync(paths.record, 'utf8')) as ContainerRecord;
    expect(record.controlSockets).toEqual([{ path: '/run/agent/ctl.sock', hostPath: join(hostDir, 'ctl.sock') }]);
    const rewritten = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { mounts: { destination: string; source: string }[] };
    expect(rewritten.mounts.at(-1)).toMatchObject({ destination: '/run/agent', source: hostDir, type: 'bind' });
  });

  it('removes the control-socket directory again when runsc create fails', () => {
    const controlDirectory = join(base, `control ${caseNo}`);
    writePolicy(policyPath, { sockets: { control: [{}], controlDirectory } });
    withAnnotations({ 'io.msb.control-socket': '/run/agent/ctl.sock' });
    fake.failWith('boom');
    expect(failure(() => create(globals(), id, { bundle }, {})).code).toBe('backend');
    expect(existsSync(join(controlDirectory, id))).toBe(false);
    expect(existsSync(containerPaths(root, id).dir)).toBe(false);
  });

  it('gives runsc --host-uds=open for a socket mount policy allows', async () => {
    const sock = join(base, `s${caseNo}.sock`);
    const server = await listening(sock);
    try {
      writePolicy(policyPath, { sockets: { connect: [{ path: sock }] } });
      withAnnotations({}, [{ destination: '/run/m.sock', type: 'bind', source: sock, options: ['rbind'] }]);
      create(globals(), id, { bundle }, {});
      expect(calls().at(-1)).toContain('--host-uds=open');
    } finally {
      server.close();
    }
  });

  it('refuses a socket mount policy does not allow, before anything is written or run', async () => {
    const sock = join(base, `s${caseNo}.sock`);
    const server = await listening(sock);
    try {
      withAnnotations({}, [{ destination: '/run/m.sock', type: 'bind', source: sock, options: ['rbind'] }]);
      const before = readFileSync(join(bundle, 'config.json'), 'utf8');
      const err = failure(() => create(globals(), id, { bundle }, {}));
      expect(err.code).toBe('forbidden');
      expect(err.message).toBe(
        `gvisor: bind mount of socket ${sock} at /run/m.sock is not allowed: policy ${policyPath} sockets.connect has no rule for ${sock}`,
      );
      expect(existsSync(join(root, 'msb', 'containers'))).toBe(false);
      expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(before);
      expect(calls()).toEqual([]);
    } finally {
      server.close();
    }
  });
});

// A stand-in for runc where gvisor.runsc should be: it answers --version as runc does.
const fakeRunc = join(fakeDir, 'runc');
writeFileSync(fakeRunc, `#!/bin/sh\nprintf 'runc version 1.1.5\\ncommit: v1.1.5-0-gf19387a\\nspec: 1.0.2-dev\\n'\n`);
chmodSync(fakeRunc, 0o755);

/** replaceConfig puts something else where the bundle's config.json was. */
function replaceConfig(make: (path: string) => void): void {
  rmSync(join(bundle, 'config.json'));
  make(join(bundle, 'config.json'));
}

/** configState is config.json's content when it is a regular file, else what it is (never reading a FIFO or a device). */
function configState(): string {
  const path = join(bundle, 'config.json');
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return `symlink to ${readlinkSync(path)}`;
  if (!st.isFile()) return `mode ${st.mode.toString(8)}`;
  return st.size > 1024 * 1024 ? `${st.size} bytes` : readFileSync(path, 'utf8');
}

describe('create refuses bad input before writing anything', () => {
  it.each<{
    name: string;
    id?: string;
    opts?: Partial<CreateOptions>;
    g?: Partial<GlobalOptions>;
    annotations?: Record<string, string>;
    config?: string;
    setup?: () => void;
    policy?: Record<string, unknown>;
    code: ErrorCode;
    message: RegExp;
  }>([
    { name: 'a bad --preserve-fds', opts: { preserveFds: '-1' }, code: 'invalid-argument', message: /--preserve-fds must be a non-negative integer, got "-1"/ },
    { name: 'a non-numeric --preserve-fds', opts: { preserveFds: 'x' }, code: 'invalid-argument', message: /got "x"/ },
    { name: 'an invalid id', id: '../escape', code: 'invalid-argument', message: /invalid container id/ },
    { name: 'a malformed config.json', config: '{"ociVersion": ', code: 'invalid-spec', message: /config\.json: malformed JSON/ },
    {
      name: 'a forbidden runsc flag annotation',
      annotations: { 'dev.gvisor.flag.network': 'host' },
      code: 'forbidden',
      message: /dev\.gvisor\.flag\.network is not allowed/,
    },
    {
      name: 'krun without its runc',
      g: { isolation: 'krun' },
      policy: { krun: { runc: '/nonexistent/runc' } },
      code: 'host-unsupported',
      message: /^krun: \/nonexistent\/runc not found \(policy krun\.runc=/,
    },
    {
      name: 'a policy that forbids annotations',
      annotations: { 'io.msb.isolation': 'gvisor' },
      policy: { isolation: { allowAnnotation: false } },
      code: 'forbidden',
      message: /annotation io\.msb\.isolation=gvisor is not allowed/,
    },
    { name: 'a missing runsc', policy: { gvisor: { runsc: '/nonexistent/runsc' } }, code: 'host-unsupported', message: /gvisor: runsc not found/ },
    {
      name: 'a host-uds annotation beyond policy',
      annotations: { 'dev.gvisor.flag.host-uds': 'all' },
      policy: { gvisor: { runsc }, sockets: { connect: [{ path: '/run/x.sock' }] } },
      code: 'forbidden',
      message: /annotation dev\.gvisor\.flag\.host-uds=all is not allowed: .* allows this container only open \(sockets\.connect\[0\]\)/,
    },
    {
      name: 'a control socket policy does not allow',
      annotations: { 'io.msb.control-socket': '/run/agent/ctl.sock' },
      code: 'forbidden',
      message: /gvisor: control socket \/run\/agent\/ctl\.sock \(annotation io\.msb\.control-socket\) is not allowed: policy .* sockets\.control has no rule/,
    },
    {
      name: 'a missing named policy',
      g: { policy: '/nonexistent/policy.json' },
      code: 'invalid-policy',
      message: /cannot read policy \/nonexistent\/policy\.json: no such file or directory \(ENOENT\)$/,
    },
    // Issue 15 (3): config.json that is not a regular file is refused before a byte is read.
    {
      name: 'a config.json that is a FIFO',
      setup: () => replaceConfig((p) => execFileSync('mkfifo', [p])),
      code: 'invalid-spec',
      message: /config\.json .* is a FIFO, not a regular file; msb reads only regular files$/,
    },
    {
      name: 'a config.json linked to /dev/zero',
      setup: () => replaceConfig((p) => symlinkSync('/dev/zero', p)),
      code: 'invalid-spec',
      message: /config\.json .* is a character device, not a regular file/,
    },
    {
      name: 'a config.json that is a directory',
      setup: () => replaceConfig((p) => mkdirSync(p)),
      code: 'invalid-spec',
      message: /config\.json .* is a directory, not a regular file/,
    },
    {
      name: 'a config.json larger than msb reads',
      setup: () => replaceConfig((p) => writeFileSync(p, Buffer.alloc(16 * 1024 * 1024 + 1, 32))),
      code: 'invalid-spec',
      message: /config\.json .* is 16777217 bytes, more than msb reads \(16777216\)$/,
    },
    // Issue 15 (7): a missing root filesystem is a sentence, not runsc's "cannot read client sync file: EOF".
    {
      name: 'a missing root filesystem',
      setup: () => rmSync(join(bundle, 'rootfs'), { recursive: true }),
      code: 'invalid-spec',
      message: /^the container's root filesystem .*rootfs \(config\.json root\.path\) cannot be used: no such file or directory \(ENOENT\)$/,
    },
    {
      name: 'a root filesystem that is a file',
      setup: () => {
        rmSync(join(bundle, 'rootfs'), { recursive: true });
        writeFileSync(join(bundle, 'rootfs'), '');
      },
      code: 'invalid-spec',
      message: /rootfs \(config\.json root\.path\) is not a directory$/,
    },
    // Issue 15 (5): gvisor.runsc must be runsc, named by an absolute path.
    {
      name: 'a relative gvisor.runsc',
      policy: { gvisor: { runsc: 'bin/runsc' } },
      code: 'invalid-policy',
      message: /gvisor\.runsc "bin\/runsc" is a relative path; give an absolute path/,
    },
    {
      name: 'gvisor.runsc=/bin/true',
      policy: { gvisor: { runsc: '/bin/true' } },
      code: 'host-unsupported',
      message:
        /^gvisor: policy gvisor\.runsc names \/bin\/true, which is not runsc: `\/bin\/true --version` printed (nothing|"[^"]*"); set gvisor\.runsc to gVisor's runsc$/,
    },
    {
      name: 'gvisor.runsc naming runc',
      policy: { gvisor: { runsc: fakeRunc } },
      code: 'host-unsupported',
      message: /which is not runsc: `.*runc --version` printed "runc version 1\.1\.5"; set/,
    },
    // Issue 15 (6): a pod container naming a sandbox that does not exist never reaches runsc.
    {
      name: 'a pod container whose sandbox does not exist',
      annotations: { 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': 'nosuchpod' },
      code: 'not-found',
      message:
        /^gvisor: annotation io\.kubernetes\.cri\.sandbox-id names sandbox nosuchpod, which does not exist under .*\/msb\/runsc; create the pod's sandbox container first$/,
    },
    {
      name: 'a pod container with a sandbox id that is a path',
      annotations: { 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-id': '../x' },
      code: 'invalid-spec',
      message: /sandbox-id="\.\.\/x" is not a valid sandbox id/,
    },
    // Issue 15 (7): a system error says what msb was doing, not "ENAMETOOLONG: name too long, mkdir '…'".
    {
      name: 'a --root whose name is too long',
      g: { root: join(base, 'r'.repeat(300)) },
      code: 'invalid-argument',
      message: /^cannot create the record of container c\d+ in \/.*: the name is too long \(ENAMETOOLONG\)$/,
    },
  ])('$name', (c) => {
    if (c.annotations) writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec(c.annotations)));
    if (c.config !== undefined) writeFileSync(join(bundle, 'config.json'), c.config);
    if (c.policy) writeFileSync(policyPath, JSON.stringify(c.policy));
    c.setup?.();
    const before = configState();
    const err = failure(() => create(globals(c.g), c.id ?? id, { bundle, ...c.opts }, {}));
    expect(err.code).toBe(c.code);
    expect(err.message).toMatch(c.message);
    expect(err.message).not.toContain('\n');
    expect(existsSync(join(root, 'msb', 'containers'))).toBe(false);
    expect(existsSync(join(root, 'msb', 'runsc'))).toBe(false);
    expect(configState()).toEqual(before);
    expect(calls()).toEqual([]);
  });
});
