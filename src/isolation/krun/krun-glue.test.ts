import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';
import type { KvmHostVerdict } from '../kvm-host.js';
import { withDefaults } from '../policy.js';
import { checkHost, realPathOfNew } from './krun-backend.js';
import { hostLibraries } from './host-libraries.js';
import { krunLauncher } from './krun-launcher.js';
import { checkKrunSockets } from './krun-sockets.js';
import { PEERS_PLACEHOLDER, vmmEntryScript } from './vmm-entry.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-krun-glue-'));

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('checkHost', () => {
  const verdict = (kind: KvmHostVerdict['kind']): KvmHostVerdict => ({
    kind,
    reason: `the reason for ${kind}`,
    device: '/dev/kvm',
    kvmPvm: kind === 'kvm-pvm',
  });
  it.each(['missing', 'inaccessible', 'kvm-pvm'] as const)('enforce refuses a %s host with the reason', (kind) => {
    let err: unknown;
    try {
      checkHost(verdict(kind), 'enforce', '/etc/msb/policy.json');
    } catch (e) {
      err = e;
    }
    expect((err as MsbError).code).toBe('host-unsupported');
    expect((err as MsbError).message).toBe(
      `krun: this host cannot boot libkrun microVMs: the reason for ${kind} (policy /etc/msb/policy.json krun.hostCheck is "enforce"; "warn" tries anyway)`,
    );
  });
  it('warn returns the note instead', () => {
    expect(checkHost(verdict('kvm-pvm'), 'warn', 'p')).toBe('host check (krun.hostCheck=warn): this host cannot boot libkrun microVMs: the reason for kvm-pvm');
  });
  it.each(['enforce', 'warn'] as const)('a usable host passes under %s', (mode) => {
    expect(checkHost(verdict('usable'), mode, 'p')).toBeUndefined();
  });
});

describe('hostLibraries', () => {
  it('links merged-/usr symlinks and binds real directories read-only', () => {
    const kinds: Record<string, 'symlink' | 'directory' | 'missing'> = {
      '/usr': 'directory',
      '/lib': 'symlink',
      '/lib64': 'symlink',
      '/bin': 'directory',
      '/sbin': 'missing',
    };
    const libs = hostLibraries({ kind: (p) => kinds[p] ?? 'missing', readlink: (p) => `usr${p}` });
    expect(libs.links).toEqual([
      { path: '/lib', target: 'usr/lib' },
      { path: '/lib64', target: 'usr/lib64' },
    ]);
    expect(libs.mounts.map((m) => [m.destination, m.options?.includes('ro')])).toEqual([
      ['/usr', true],
      ['/bin', true],
    ]);
  });
});

describe('realPathOfNew', () => {
  it('resolves symlinks in the part that exists', () => {
    mkdirSync(join(dir, 'real'));
    spawnSync('ln', ['-s', 'real', join(dir, 'link')]);
    expect(realPathOfNew(join(dir, 'link', 'a', 'b'))).toBe(join(dir, 'real', 'a', 'b'));
  });
});

describe('krunLauncher', () => {
  const runc = script('fake-runc', 'echo "runc $*"');
  const dist = join(dir, 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'msb-runtime.cjs'), 'console.log("node " + process.argv.slice(2).join(" "))\n');
  const launcher = krunLauncher({ id: 'c1', bundle: '/b', root: '/run/r', runc, runcArgs: ['--root', '/run/r/msb/runc'], ownedFiles: ['/v/c1.img'] });
  const run = (cmd: string, ...args: string[]): string => {
    const sh = `${launcher}\nmsb_cmd=${cmd}; msb_dist=${dist}; msb_exec "$@"`;
    return spawnSync('/bin/sh', ['-c', sh, 'sh', ...args], { encoding: 'utf8' }).stdout.trim();
  };
  it.each(['start', 'state', 'kill', 'delete', 'ps', 'pause', 'resume', 'events'])("%s goes to runc with msb's runc root", (cmd) => {
    expect(run(cmd, cmd, 'c1')).toBe(`runc --root /run/r/msb/runc ${cmd} c1`);
  });
  it.each(['exec', 'update'])('%s goes to the Node half with the state root', (cmd) => {
    expect(run(cmd, '--log', '/l', cmd, 'c1')).toBe(`node --root /run/r --log /l ${cmd} c1`);
  });
  it('lists its commands and removes owned files on delete', () => {
    expect(launcher).toContain("msb_commands=' start state kill delete ps pause resume events exec update checkpoint '");
    expect(launcher).toContain("msb_cleanup() { rm -f -- '/v/c1.img'; }");
    expect(launcher).toContain('msb_backend=krun');
  });
});

describe('vmmEntryScript', () => {
  const home = join(dir, 'home');
  const log = join(home, 'sandboxes', 'c-x', 'logs', 'runtime.log');
  mkdirSync(join(home, 'sandboxes', 'c-x', 'logs'), { recursive: true });
  const entry = join(dir, 'entry.sh');
  writeFileSync(entry, vmmEntryScript('c-x', 'host check (krun.hostCheck=warn): no KVM', home));
  const fakeMsb = script('fake-msb', `[ "$1" = inspect ] && { echo "Memory: 416 MiB"; exit 0; }\nprintf '%s\\n' "$LOGTEXT" > ${log}\nexit "$RC"`);
  const run = (rc: number, logText: string) =>
    spawnSync('/bin/sh', [entry, fakeMsb, 'run', '--name', 'c-x'], { encoding: 'utf8', env: { ...process.env, RC: String(rc), LOGTEXT: logText } });

  it("passes the workload's exit status through, silently", () => {
    const r = run(0, 'INFO entering VM');
    expect([r.status, r.stderr]).toEqual([0, '']);
    const r3 = run(3, '2026 INFO vm: entering VM');
    expect([r3.status, r3.stderr]).toEqual([3, '']);
  });

  it("explains a failed microVM with msb's own log (no DEBUG), inspect, and the host note", () => {
    const r = run(1, '2026 DEBUG noise\n2026  INFO vm: entering VM\n2026 ERROR vstate: Received KVM_EXIT_INTERNAL_ERROR signal');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('msb: krun: the microVM failed (msb exit 1); msb runtime log:');
    expect(r.stderr).toContain('INFO vm: entering VM');
    expect(r.stderr).toContain('KVM_EXIT_INTERNAL_ERROR');
    expect(r.stderr).not.toContain('DEBUG noise');
    expect(r.stderr).toContain('Memory: 416 MiB');
    expect(r.stderr).toContain('msb: krun: host check (krun.hostCheck=warn): no KVM');
  });
});

describe('vmmEntryScript egress peers', () => {
  // /proc/net/route of a container on two Docker networks: default via 172.18.0.1 on eth0.
  const routes = join(dir, 'route');
  writeFileSync(
    routes,
    [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'eth1\t0014A8C0\t00000000\t0001\t0\t0\t0\t00F0FFFF\t0\t0\t0',
      '',
    ].join('\n'),
  );
  const entry = join(dir, 'entry-peers.sh');
  writeFileSync(entry, vmmEntryScript('c-p', undefined, join(dir, 'home'), routes));
  const echo = script('echo-args', 'for a; do printf "%s\\n" "$a"; done');

  it('replaces the placeholder with deny@gateway and allow@subnet rules, never after --', () => {
    const r = spawnSync(
      '/bin/sh',
      [entry, echo, 'run', '--net-rule', 'allow@public', PEERS_PLACEHOLDER, '--net-ipv4-pool', 'p', '/g', '--', 'echo', PEERS_PLACEHOLDER],
      { encoding: 'utf8' },
    );
    expect(r.stdout.trim().split('\n')).toEqual([
      'run',
      '--net-rule',
      'allow@public',
      '--net-rule',
      'deny@172.18.0.1',
      '--net-rule',
      'allow@172.18.0.0/16',
      '--net-rule',
      'allow@192.168.20.0/20',
      '--net-ipv4-pool',
      'p',
      '/g',
      '--',
      'echo',
      PEERS_PLACEHOLDER,
    ]);
  });

  it('leaves arguments without the placeholder unchanged', () => {
    const r = spawnSync('/bin/sh', [entry, echo, 'run', '--net', 'all', 'a b', '/g', '--', 'x'], { encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toEqual(['run', '--net', 'all', 'a b', '/g', '--', 'x']);
  });
});

describe('checkKrunSockets', () => {
  const spec = (annotations: Record<string, string> = {}): Spec => ({ ociVersion: '1', root: { path: 'r' }, annotations });
  const policy = withDefaults({ sockets: { connect: [{ path: '/run/m.sock' }], listen: [{ directory: '/srv/s' }], control: [{}] } }, 'p.json');
  const deny = withDefaults({}, 'p.json');
  const id = { annotations: {} };
  const err = (fn: () => void): MsbError => {
    try {
      fn();
    } catch (e) {
      return e as MsbError;
    }
    throw new Error('expected a refusal');
  };
  it('lets a container without sockets through', () => {
    expect(() => checkKrunSockets(spec(), policy, [{ destination: '/d', source: '/srv/d', realSource: '/srv/d', kind: 'directory' }], id)).not.toThrow();
  });
  it.each<{ name: string; s: Spec; mounts: Parameters<typeof checkKrunSockets>[2]; p: typeof policy; code: string; message: RegExp }>([
    {
      name: 'a socket outside policy, with the policy reason',
      s: spec(),
      mounts: [{ destination: '/m.sock', source: '/run/x.sock', realSource: '/run/x.sock', kind: 'socket' }],
      p: deny,
      code: 'forbidden',
      message: /^krun: bind mount of socket \/run\/x\.sock at \/m\.sock is not allowed: policy p\.json sockets\.connect has no rule/,
    },
    {
      name: 'an allowed socket, with the microVM reason',
      s: spec(),
      mounts: [{ destination: '/m.sock', source: '/run/m.sock', realSource: '/run/m.sock', kind: 'socket' }],
      p: policy,
      code: 'unsupported',
      message: /^krun: socket \/run\/m\.sock \(bind-mounted at \/m\.sock, allowed by sockets\.connect\[0\]\) cannot be served: a microVM has its own kernel/,
    },
    {
      name: 'an allowed socket directory',
      s: spec(),
      mounts: [{ destination: '/s', source: '/srv/s', realSource: '/srv/s', kind: 'directory' }],
      p: policy,
      code: 'unsupported',
      message: /^krun: socket directory \/srv\/s \(bind-mounted at \/s, allowed by sockets\.listen\[0\]\) cannot be served/,
    },
    {
      name: 'an allowed control socket',
      s: spec({ 'io.msb.control-socket': '/run/agent/ctl.sock' }),
      mounts: [],
      p: policy,
      code: 'unsupported',
      message: /^krun: control socket \/run\/agent\/ctl\.sock \(annotation io\.msb\.control-socket, allowed by sockets\.control\[0\]\) cannot be served/,
    },
    {
      name: 'a control socket outside policy',
      s: spec({ 'io.msb.control-socket': '/run/agent/ctl.sock' }),
      mounts: [],
      p: deny,
      code: 'forbidden',
      message: /^krun: control socket .* is not allowed: policy p\.json sockets\.control has no rule/,
    },
    {
      name: 'the gVisor host-uds annotation',
      s: spec({ 'dev.gvisor.flag.host-uds': 'open' }),
      mounts: [],
      p: policy,
      code: 'unsupported',
      message: /^krun: annotation dev\.gvisor\.flag\.host-uds applies to gVisor only/,
    },
  ])('refuses $name', ({ s, mounts, p, code, message }) => {
    const e = err(() => checkKrunSockets(s, p, mounts, { annotations: s.annotations ?? {} }));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});
