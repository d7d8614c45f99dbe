import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../isolation/policy.js';
import { defaultHardenDeps, harden, type HardenDeps, type HardenOptions } from './harden.js';

const UNHARDENED = '# stack\nservices:\n  web:\n    image: local/busybox  # the page\n  db:\n    image: local/busybox\n';
const HARDENED = '# stack\nservices:\n  web:\n    runtime: msb\n    image: local/busybox  # the page\n  db:\n    runtime: msb\n    image: local/busybox\n';

/** run calls harden on in-memory files and records what it prints and writes. */
function run(files: Record<string, string>, flags: Partial<HardenOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const written: Record<string, string> = {};
  const deps: HardenDeps = {
    out: (l) => void out.push(l),
    err: (l) => void err.push(l),
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw new Error(`no ${p}`);
      return text;
    },
    writeFiles: (fs) => fs.forEach((f) => void (written[f.path] = f.text)),
  };
  const options: HardenOptions = { files: Object.keys(files), runtime: 'msb', force: false, exclude: [], check: false, dryRun: false, diff: false, ...flags };
  let error: Error | undefined;
  try {
    harden(options, deps);
  } catch (e) {
    error = e as Error;
  }
  return { out, err, written, error };
}

describe('msbctl harden --egress', () => {
  const policyWith = (file: object) => () => loadPolicy('/p.json', () => JSON.stringify(file));
  const runEgress = (flags: Partial<HardenOptions>, policy: object = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const written: Record<string, string> = {};
    const deps: HardenDeps = {
      out: (l) => void out.push(l),
      err: (l) => void err.push(l),
      readFile: () => UNHARDENED,
      writeFiles: (fs) => fs.forEach((f) => void (written[f.path] = f.text)),
      loadPolicy: policyWith(policy),
    };
    try {
      harden({ files: ['a.yml'], runtime: 'msb', force: false, exclude: [], check: false, dryRun: false, diff: false, ...flags }, deps);
      return { out, err, written, error: undefined };
    } catch (e) {
      return { out, err, written, error: e as Error };
    }
  };

  it('sets io.msb.egress on every service for a built-in or operator profile, with a note on where annotations work', () => {
    const r = runEgress({ egress: 'pypi-only' }, { egress: { profiles: { 'pypi-only': { rules: ['allow@pypi.org:tcp:443'] } } } });
    expect(r.error).toBeUndefined();
    expect(r.written['a.yml']).toContain('  web:\n    runtime: msb\n    annotations:\n      io.msb.egress: pypi-only\n');
    expect(r.out).toContain('a.yml: db: hardened: add runtime: msb, add annotation io.msb.egress=pypi-only');
    expect(r.err.join('\n')).toContain('Docker ≥ 24');
    expect(runEgress({ egress: 'airgapped' }).error).toBeUndefined();
  });

  it('an unknown profile, or a policy that forbids the annotation, is one line and writes nothing', () => {
    const unknown = runEgress({ egress: 'nope' });
    expect(unknown.error?.message).toBe(
      'unknown egress profile "nope" for annotation io.msb.egress (policy /p.json); known: allow-all, public-only, airgapped',
    );
    expect(unknown.written).toEqual({});
    const forbidden = runEgress({ egress: 'airgapped' }, { egress: { allowAnnotation: false } });
    expect(forbidden.error?.message).toBe(
      'policy /p.json does not let containers pick an egress profile by annotation (egress.allowAnnotation is false); use a runtime alias with --egress=airgapped',
    );
    expect(forbidden.written).toEqual({});
  });
});

describe('msbctl harden', () => {
  it('writes the hardened file and says what it set', () => {
    const r = run({ 'a.yml': UNHARDENED });
    expect(r.error).toBeUndefined();
    expect(r.written).toEqual({ 'a.yml': HARDENED });
    expect(r.out).toEqual(['a.yml: web: hardened: add runtime: msb', 'a.yml: db: hardened: add runtime: msb', 'wrote a.yml']);
  });

  it('--check fails on an unhardened file, listing the services, and passes on a hardened one', () => {
    const bad = run({ 'a.yml': UNHARDENED, 'b.yml': HARDENED }, { check: true });
    expect(bad.error?.message).toBe('check failed: 2 service(s) would not run under msb: web in a.yml, db in a.yml');
    expect(bad.out).toContain('a.yml: web: NOT HARDENED: harden would add runtime: msb');
    expect(bad.out).toContain('b.yml: db: sandboxed (runtime msb)');
    expect(bad.written).toEqual({});
    const good = run({ 'b.yml': HARDENED }, { check: true });
    expect(good.error).toBeUndefined();
    expect(good.written).toEqual({});
  });

  it('--check counts refused services as failures and excluded ones as a choice', () => {
    const text = 'services:\n  web:\n    runtime: msb\n    image: x\n    network_mode: host\n  agent:\n    image: y\n';
    expect(run({ 'a.yml': text }, { check: true }).error?.message).toMatch(/2 service\(s\) would not run under msb: web in a.yml, agent in a.yml/);
    const r = run({ 'a.yml': text.replace('    network_mode: host\n', '') }, { check: true, exclude: ['agent'] });
    expect(r.error).toBeUndefined();
    expect(r.out).toContain('a.yml: agent: excluded: runs unsandboxed by choice');
  });

  it('--dry-run and --diff print the change and write nothing', () => {
    const dry = run({ 'a.yml': UNHARDENED }, { dryRun: true });
    expect(dry.written).toEqual({});
    expect(dry.out).toContain('a.yml: web: would add runtime: msb');
    expect(dry.out.at(-1)).toBe('dry run: 1 file(s) would change; nothing written');
    const diff = run({ 'a.yml': UNHARDENED }, { diff: true });
    expect(diff.written).toEqual({});
    expect(diff.out).toEqual([
      '--- a.yml',
      '+++ a.yml (hardened)',
      '@@ -1,6 +1,8 @@',
      ' # stack',
      ' services:',
      '   web:',
      '+    runtime: msb',
      '     image: local/busybox  # the page',
      '   db:',
      '+    runtime: msb',
      '     image: local/busybox',
    ]);
  });

  it('writes no file at all when any service of any file is refused', () => {
    const r = run({ 'a.yml': UNHARDENED, 'b.yml': 'services:\n  admin:\n    image: x\n    privileged: true\n' });
    expect(r.written).toEqual({});
    expect(r.out).toContain(
      "b.yml: admin: refused: privileged: true: a privileged container expects the host's devices and kernel, which a sandbox exists to withhold: it would start without them",
    );
    expect(r.error?.message).toMatch(/^nothing written: 1 service\(s\) cannot be hardened \(admin in b.yml\)/);
  });

  it('prints warnings on stderr and the compose 1.x note for --isolation', () => {
    const r = run({ 'a.yml': 'services:\n  web:\n    image: x\n    devices: [/dev/fuse]\n' }, { isolation: 'krun' });
    expect(r.err[0]).toMatch(/^msbctl harden: warning: a.yml: web: devices: host devices are not passed/);
    expect(r.err[1]).toMatch(/docker-compose 1.x rejects annotations:.*--runtime msb-krun/);
    expect(r.written['a.yml']).toContain('    annotations:\n      io.msb.isolation: krun\n');
  });

  it('says so when there is nothing to change', () => {
    expect(run({ 'a.yml': HARDENED }).out.at(-1)).toBe('nothing to change: every service is already hardened or excluded');
  });

  it.each([
    [{ runtime: 'bad name' }, /invalid runtime name "bad name"/],
    [{ isolation: 'kata' }, /unknown --isolation "kata".*known: gvisor, krun/],
    [{ exclude: ['nope'] }, /--exclude names no service of these files: nope/],
    [{ files: [] }, /no compose file given/],
  ])('refuses bad arguments: %o', (flags, message) => {
    expect(run({ 'a.yml': UNHARDENED }, flags).error?.message).toMatch(message);
  });
});

describe('defaultHardenDeps', () => {
  it('replaces a file keeping its mode, and writes through a symlink to its target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-harden-'));
    try {
      const file = join(dir, 'compose.yml');
      const link = join(dir, 'link.yml');
      writeFileSync(file, UNHARDENED);
      chmodSync(file, 0o640);
      symlinkSync(file, link);
      harden(
        { files: [link], runtime: 'msb', force: false, exclude: [], check: false, dryRun: false, diff: false },
        { ...defaultHardenDeps(), out: () => undefined },
      );
      expect(readFileSync(file, 'utf8')).toBe(HARDENED);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o640);
      expect(() => defaultHardenDeps().readFile(join(dir, 'missing.yml'))).toThrow(/^cannot read .*missing.yml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a group-writable mode under any umask, and changes no file when one cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-harden-'));
    const old = process.umask(0o022);
    try {
      const a = join(dir, 'a.yml');
      writeFileSync(a, UNHARDENED);
      chmodSync(a, 0o664);
      // b.yml's staging name is taken: its write fails after a.yml's succeeded.
      const b = join(dir, 'b.yml');
      writeFileSync(b, UNHARDENED);
      writeFileSync(`${b}.msbctl-${process.pid}.tmp`, 'in the way');
      const quiet = { ...defaultHardenDeps(), out: () => undefined };
      expect(() => harden({ files: [a, b], runtime: 'msb', force: false, exclude: [], check: false, dryRun: false, diff: false }, quiet)).toThrow(
        /^nothing written: /,
      );
      expect(readFileSync(a, 'utf8')).toBe(UNHARDENED);
      expect(readFileSync(b, 'utf8')).toBe(UNHARDENED);
      rmSync(`${b}.msbctl-${process.pid}.tmp`);
      harden({ files: [a], runtime: 'msb', force: false, exclude: [], check: false, dryRun: false, diff: false }, quiet);
      expect(statSync(a).mode & 0o777).toBe(0o664);
    } finally {
      process.umask(old);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
