import { describe, expect, it } from 'vitest';
import type { MsbError } from '../base/errors.js';
import { DEFAULT_KRUN_POLICY, DEFAULT_POLICY_PATH, loadPolicy, parsePolicy, type Policy, withDefaults } from './policy.js';
import { thrownMsbError } from '../../test/support/msb-error.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code });
}

const policyError = (fn: () => unknown): MsbError => thrownMsbError(fn, 'invalid-policy');

const DEFAULTS: Omit<Policy, 'source'> = {
  isolation: { default: 'gvisor', allowed: ['gvisor', 'krun'], allowAnnotation: true, allowRuntimeArgs: true },
  gvisor: {
    runsc: 'runsc',
    platform: 'auto',
    rmemWorkaround: 'auto',
    kvmHostCheck: 'enforce',
    createTimeoutSeconds: 60,
    rawSockets: 'never',
    rootfsWrites: 'docker',
    allowRootfsWritesAnnotation: false,
  },
  dns: { upstreams: [], relay: true, rateLimit: 10_000, cacheMs: 1000 },
  krun: DEFAULT_KRUN_POLICY,
  sockets: { connect: [], listen: [], control: [], controlDirectory: '/run/msb/sockets' },
  egress: withDefaults({}, 'src').egress,
  createHelper: { enabled: true, idleSeconds: 900 },
};

describe('withDefaults', () => {
  it('fills in every key of an empty file', () => {
    expect(withDefaults({}, 'src')).toEqual({ source: 'src', ...DEFAULTS });
  });

  it('keeps what the operator set, including false and empty values, and fills in the rest', () => {
    const p = withDefaults({ isolation: { allowAnnotation: false }, gvisor: { platform: 'ptrace' }, dns: { upstreams: ['1.1.1.1'] } }, 'f');
    expect(p.isolation).toEqual({ ...DEFAULTS.isolation, allowAnnotation: false });
    expect(p.gvisor).toEqual({ ...DEFAULTS.gvisor, platform: 'ptrace' });
    expect(p.dns.upstreams).toEqual(['1.1.1.1']);
  });
});

describe('parsePolicy', () => {
  it('accepts a full policy', () => {
    const text = JSON.stringify({
      $schema: './policy.schema.json',
      isolation: { default: 'gvisor', allowed: ['gvisor'], allowAnnotation: false, allowRuntimeArgs: false },
      gvisor: {
        runsc: '/usr/local/bin/runsc',
        platform: 'systrap',
        rmemWorkaround: 'never',
        kvmHostCheck: 'warn',
        createTimeoutSeconds: 120,
        rawSockets: 'capability',
        rootfsWrites: 'sandbox',
        allowRootfsWritesAnnotation: true,
      },
      dns: { upstreams: ['9.9.9.9', '2620:fe::fe'], relay: false, rateLimit: 500, cacheMs: 0 },
      krun: { hostCheck: 'warn', memoryMiB: 1024, vcpus: 2, ipv4Pool: '100.80.0.0/16', dockerVolumeMiB: 4096 },
      createHelper: { enabled: false, idleSeconds: 60 },
      sockets: {
        connect: [{ path: '/run/metrics.sock' }, { path: '/var/run/docker.sock', annotation: 'io.example.ci=true', image: 'ci/runner' }],
        listen: [{ directory: '/srv/agents', image: 'sha256:0123abcd' }],
        control: [{ annotation: 'io.example.agent' }],
        controlDirectory: '/run/agent-sockets',
      },
    });
    expect(parsePolicy(text, '/etc/msb/policy.json')).toEqual({
      source: '/etc/msb/policy.json',
      isolation: { default: 'gvisor', allowed: ['gvisor'], allowAnnotation: false, allowRuntimeArgs: false },
      gvisor: {
        runsc: '/usr/local/bin/runsc',
        platform: 'systrap',
        rmemWorkaround: 'never',
        kvmHostCheck: 'warn',
        createTimeoutSeconds: 120,
        rawSockets: 'capability',
        rootfsWrites: 'sandbox',
        allowRootfsWritesAnnotation: true,
      },
      dns: { upstreams: ['9.9.9.9', '2620:fe::fe'], relay: false, rateLimit: 500, cacheMs: 0 },
      krun: { ...DEFAULT_KRUN_POLICY, hostCheck: 'warn', memoryMiB: 1024, vcpus: 2, ipv4Pool: '100.80.0.0/16', dockerVolumeMiB: 4096 },
      sockets: {
        connect: [{ path: '/run/metrics.sock' }, { path: '/var/run/docker.sock', annotation: 'io.example.ci=true', image: 'ci/runner' }],
        listen: [{ directory: '/srv/agents', image: 'sha256:0123abcd' }],
        control: [{ annotation: 'io.example.agent' }],
        controlDirectory: '/run/agent-sockets',
      },
      egress: withDefaults({}, '/etc/msb/policy.json').egress,
      createHelper: { enabled: false, idleSeconds: 60 },
    });
  });

  it.each<[string, string, RegExp]>([
    ['malformed JSON', '{"isolation": ', /^policy \/p\.json: malformed JSON: /],
    ['a bad platform', '{"gvisor": {"platform": "xen"}}', /^policy \/p\.json: field gvisor\.platform must match pattern/],
    [
      'a bad rmemWorkaround',
      '{"gvisor": {"rmemWorkaround": "sometimes"}}',
      /^policy \/p\.json: field gvisor\.rmemWorkaround must be equal to one of the allowed values/,
    ],
    ['an idleSeconds below 10', '{"createHelper": {"idleSeconds": 1}}', /^policy \/p\.json: field createHelper\.idleSeconds must be >= 10/],
    ['a bad rawSockets', '{"gvisor": {"rawSockets": "always"}}', /^policy \/p\.json: field gvisor\.rawSockets must be equal to one of the allowed values/],
    ['a runsc of the wrong type', '{"gvisor": {"runsc": 7}}', /^policy \/p\.json: field gvisor\.runsc must be string/],
    ['an empty allowed list', '{"isolation": {"allowed": []}}', /^policy \/p\.json: field isolation\.allowed must NOT have fewer than 1 items/],
    ['a duplicate in allowed', '{"isolation": {"allowed": ["gvisor", "gvisor"]}}', /^policy \/p\.json: field isolation\.allowed must NOT have duplicate items/],
    ['a host name as DNS upstream', '{"dns": {"upstreams": ["dns.google"]}}', /^policy \/p\.json: field dns\.upstreams\.0 must match pattern/],
    ['a string allowAnnotation', '{"isolation": {"allowAnnotation": "yes"}}', /^policy \/p\.json: field isolation\.allowAnnotation must be boolean/],
    ['a relative socket path', '{"sockets": {"connect": [{"path": "run/x.sock"}]}}', /^policy \/p\.json: field sockets\.connect\.0\.path must match pattern/],
    [
      'a connect rule without a path',
      '{"sockets": {"connect": [{"image": "x"}]}}',
      /^policy \/p\.json: field sockets\.connect\.0 must have required property 'path'/,
    ],
    [
      'a listen rule with a typo',
      '{"sockets": {"listen": [{"directory": "/d", "imgae": "x"}]}}',
      /^policy \/p\.json: unknown key "imgae" in field sockets\.listen\.0$/,
    ],
    [
      'an annotation selector without a key',
      '{"sockets": {"control": [{"annotation": "=x"}]}}',
      /^policy \/p\.json: field sockets\.control\.0\.annotation must match pattern/,
    ],
    ['a bad krun host check', '{"krun": {"hostCheck": "ignore"}}', /^policy \/p\.json: field krun\.hostCheck must be equal to one of the allowed values/],
    ['a negative guest memory', '{"krun": {"memoryMiB": -1}}', /^policy \/p\.json: field krun\.memoryMiB must be >= 0/],
    ['a fractional vCPU count', '{"krun": {"vcpus": 1.5}}', /^policy \/p\.json: field krun\.vcpus must be integer/],
    ['a guest pool that is not a CIDR', '{"krun": {"ipv4Pool": "100.64.0.0"}}', /^policy \/p\.json: field krun\.ipv4Pool must match pattern/],
    ['an unknown krun key', '{"krun": {"memory": 512}}', /^policy \/p\.json: unknown key "memory" in field krun$/],
    ['an unknown top-level key', '{"bogus": 1}', /^policy \/p\.json: unknown key "bogus" in the top level$/],
    ['an unknown nested key', '{"isolation": {"defualt": "krun"}}', /^policy \/p\.json: unknown key "defualt" in field isolation$/],
  ])('refuses %s', (_name, text, message) => {
    expect(policyError(() => parsePolicy(text, '/p.json')).message).toMatch(message);
  });

  // An unknown key is named, not only its parent: the operator sees the misspelt "defualt".
  it.each([
    ['{"bogus": 1}', 'bogus'],
    ['{"isolation": {"defualt": "krun"}}', 'defualt'],
    ['{"gvisor": {"runsc": "runsc", "flags": ["--net-raw"]}}', 'flags'],
  ])('an unknown key in %s is named in the error', (text, key) => {
    expect(policyError(() => parsePolicy(text, '/p.json')).message).toContain(key);
  });
});

describe('loadPolicy', () => {
  it('uses the built-in defaults when the default path does not exist', () => {
    const reads: string[] = [];
    const p = loadPolicy(undefined, (path) => {
      reads.push(path);
      throw errno('ENOENT');
    });
    expect(reads).toEqual([DEFAULT_POLICY_PATH]);
    expect(p).toEqual({ source: 'built-in defaults', ...DEFAULTS });
  });

  it('reads the default path when it exists', () => {
    const p = loadPolicy(undefined, (path) => {
      expect(path).toBe(DEFAULT_POLICY_PATH);
      return '{"isolation": {"allowAnnotation": false}}';
    });
    expect(p.source).toBe(DEFAULT_POLICY_PATH);
    expect(p.isolation.allowAnnotation).toBe(false);
  });

  it('fails when a named file is missing', () => {
    const err = policyError(() =>
      loadPolicy('/etc/msb/strict.json', () => {
        throw errno('ENOENT');
      }),
    );
    expect(err.message).toBe('cannot read policy /etc/msb/strict.json: no such file or directory (ENOENT)');
  });

  it('fails when the default path exists but cannot be read', () => {
    const err = policyError(() =>
      loadPolicy(undefined, () => {
        throw errno('EACCES');
      }),
    );
    expect(err.message).toBe(`cannot read policy ${DEFAULT_POLICY_PATH}: permission denied (EACCES)`);
  });

  it('names the file whose content is invalid', () => {
    const err = policyError(() => loadPolicy('/x/p.json', () => '{"gvisor": {"platform": "vm"}}'));
    expect(err.message).toMatch(/^policy \/x\/p\.json: field gvisor\.platform /);
  });
});
