import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import { hardenText } from './harden-file.js';
import { diffLines, splitLines } from './line-diff.js';
import type { HardenTarget } from './plan-service.js';

const target: HardenTarget = { runtime: 'msb', force: false, exclude: [] };

/** added returns the lines the edit added, failing if it changed or removed any original line. */
function added(before: string, after: string): string[] {
  const diff = diffLines(splitLines(before), splitLines(after));
  expect(diff.filter((l) => l.op === '-')).toEqual([]);
  return diff.filter((l) => l.op === '+').map((l) => l.text);
}

// Mixed styles on purpose: 4-space and 2-space indents, unindented and indented sequences, flow
// collections with odd spacing, quoted scalars, trailing comments, a block scalar, an anchor
// with a merge key: yaml's own stringify rewrites every one of these.
const COMMENTED = `# Demo stack (keep this header)
version: "3.8"

x-defaults: &defaults
  restart: unless-stopped   # keep running
  logging:
    driver: json-file

services:
    web:   # the front end
        <<: *defaults
        image: 'nginx:1.25'  # pinned
        ports:
        - "8080:80"
        - 8443:443
        environment: [A=1,   B=2]
        command: ["sh", "-c", "echo hi && sleep 1000"]

    # the database
    db:
        # no image tag on purpose
        image: postgres
        volumes:
            - data:/var/lib/postgresql/data
        healthcheck:
          test: >
            pg_isready -U postgres
        labels: {a: b,   c: d}
    cache: {image: redis,  command: [redis-server]}
volumes:
  data: {}   # named
`;

describe('hardenText round trip', () => {
  it('adds only the runtime lines to a commented, mixed-style file', () => {
    const r = hardenText('c.yml', COMMENTED, target);
    expect(r.plans.map((p) => [p.service, p.status])).toEqual([
      ['web', 'change'],
      ['db', 'change'],
      ['cache', 'change'],
    ]);
    // The flow-style service is the one line that changes in place rather than being added.
    const flow = diffLines(splitLines(COMMENTED), splitLines(r.output)).filter((l) => l.op !== ' ');
    expect(flow).toEqual([
      { op: '+', text: '        runtime: msb' },
      { op: '+', text: '        runtime: msb' },
      { op: '-', text: '    cache: {image: redis,  command: [redis-server]}' },
      { op: '+', text: '    cache: {runtime: msb, image: redis,  command: [redis-server]}' },
    ]);
  });

  it('adds runtime and the isolation annotation as new lines, indented like the file', () => {
    const text = COMMENTED.replace(/ {4}cache:.*\n/, '');
    const r = hardenText('c.yml', text, { ...target, isolation: 'krun' });
    expect(added(text, r.output)).toEqual([
      '        runtime: msb',
      '        annotations:',
      '            io.msb.isolation: krun',
      '        runtime: msb',
      '        annotations:',
      '            io.msb.isolation: krun',
    ]);
  });

  it('leaves a hardened file byte for byte as it was', () => {
    const once = hardenText('c.yml', COMMENTED, target).output;
    const twice = hardenText('c.yml', once, target);
    expect(twice.plans.every((p) => p.status === 'hardened')).toBe(true);
    expect(twice.output).toBe(once);
  });

  it.each([
    ['version 2.4', 'version: "2.4"\n'],
    ['version 2.0', "version: '2.0'\n"],
    ['version 3', 'version: "3"\n'],
    ['no version', ''],
  ])('hardens a file with %s', (_, header) => {
    const text = `${header}services:\n  app:\n    image: local/busybox\n`;
    expect(added(text, hardenText('c.yml', text, target).output)).toEqual(['    runtime: msb']);
  });

  it('skips x- extension entries under services: and keeps x- fields inside a service', () => {
    const text = 'x-top: {a: 1}\nservices:\n  x-meta:\n    owner: me\n  web:\n    x-note: hi\n    image: x\n';
    const r = hardenText('c.yml', text, target);
    expect(r.plans.map((p) => p.service)).toEqual(['web']);
    expect(added(text, r.output)).toEqual(['    runtime: msb']);
  });

  it('keeps CRLF line endings and handles a file without a final newline', () => {
    const crlf = 'services:\r\n  app:\r\n    image: x\r\n';
    expect(hardenText('c.yml', crlf, target).output).toBe('services:\r\n  app:\r\n    runtime: msb\r\n    image: x\r\n');
    expect(hardenText('c.yml', 'services:\n  app:\n    image: x', target).output).toBe('services:\n  app:\n    runtime: msb\n    image: x');
  });

  it('quotes a runtime name YAML 1.1 would read as something else', () => {
    expect(hardenText('c.yml', 'services:\n  app:\n    image: x\n', { ...target, runtime: 'on' }).output).toContain('    runtime: "on"\n');
  });

  it('refuses compose format 1 (no services:), several documents and broken YAML', () => {
    expect(() => hardenText('v1.yml', 'web:\n  image: x\n', target)).toThrow(/v1.yml: no top-level services: mapping \(compose file format 1/);
    expect(() => hardenText('m.yml', 'services: {}\n---\nservices: {}\n', target)).toThrow(/holds 2 YAML documents/);
    expect(() => hardenText('b.yml', 'services:\n  a: [\n', target)).toThrow(/b.yml: not valid YAML/);
  });
});

describe('hardenText runtimes and anchors', () => {
  const runc = 'services:\n  app:\n    image: x\n    runtime: runc   # old\n';

  it('refuses another runtime without --force and replaces only its value with it', () => {
    const refused = hardenText('c.yml', runc, target);
    expect(refused.plans[0]).toMatchObject({
      status: 'refused',
      reasons: ['sets runtime: runc; pass --force to replace it, or --exclude app to leave the service as it is'],
    });
    expect(refused.output).toBe(runc);
    expect(hardenText('c.yml', runc, { ...target, force: true }).output).toBe('services:\n  app:\n    image: x\n    runtime: msb   # old\n');
  });

  it('treats a runtime inherited through a merge key like its own', () => {
    const merged = (rt: string) => `x-base: &base\n  runtime: ${rt}\nservices:\n  app:\n    <<: *base\n    image: x\n`;
    expect(hardenText('c.yml', merged('msb'), target).plans[0]?.status).toBe('hardened');
    expect(hardenText('c.yml', merged('runc'), target).plans[0]).toMatchObject({
      status: 'refused',
      reasons: [expect.stringContaining('runc (through a merge key)')],
    });
    const forced = hardenText('c.yml', merged('runc'), { ...target, force: true });
    expect(added(merged('runc'), forced.output)).toEqual(['    runtime: msb']);
  });

  it('refuses a service that is an alias, and one whose change would leak through a shared anchor', () => {
    expect(hardenText('c.yml', 'services:\n  a: &a\n    image: x\n  b: *a\n', target).plans[1]).toMatchObject({
      status: 'refused',
      reasons: [expect.stringContaining('YAML alias')],
    });
    const shared = 'services:\n  a: &a\n    image: x\n  b:\n    <<: *a\n';
    expect(added(shared, hardenText('c.yml', shared, target).output)).toEqual(['    runtime: msb', '    runtime: msb']);
    expect(() => hardenText('c.yml', shared, { ...target, exclude: ['b'] })).toThrow(/would also change b through a YAML anchor/);
  });

  it('leaves excluded services alone', () => {
    const text = 'services:\n  a:\n    image: x\n  b:\n    image: y\n';
    const r = hardenText('c.yml', text, { ...target, exclude: ['b'] });
    expect(r.plans.map((p) => p.status)).toEqual(['change', 'excluded']);
    expect(added(text, r.output)).toEqual(['    runtime: msb']);
  });
});

describe('hardenText isolation annotation', () => {
  const iso: HardenTarget = { ...target, isolation: 'gvisor' };
  it.each([
    ['a block mapping', '    annotations:\n      com.example: yes\n', ['    runtime: msb', '      io.msb.isolation: gvisor']],
    ['a key=value list', '    annotations:\n      - com.example=yes\n', ['    runtime: msb', '      - io.msb.isolation=gvisor']],
  ])('adds io.msb.isolation to %s', (_, annotations, lines) => {
    const text = `services:\n  app:\n    image: x\n${annotations}`;
    expect(added(text, hardenText('c.yml', text, iso).output)).toEqual(lines);
  });

  it('adds it to a flow mapping in place', () => {
    expect(hardenText('c.yml', 'services:\n  app:\n    image: x\n    annotations: {}\n', iso).output).toContain(
      '    annotations: {io.msb.isolation: gvisor}\n',
    );
  });

  it('replaces a different isolation only with --force', () => {
    const text = 'services:\n  app:\n    runtime: msb\n    image: x\n    annotations:\n      io.msb.isolation: krun\n';
    expect(hardenText('c.yml', text, iso).plans[0]).toMatchObject({ status: 'refused', reasons: [expect.stringContaining('io.msb.isolation=krun')] });
    expect(hardenText('c.yml', text, { ...iso, force: true }).output).toBe(text.replace('krun', 'gvisor'));
  });

  it('refuses annotations that come from a merge key', () => {
    const text = 'x-a: &a\n  annotations: {k: v}\nservices:\n  app:\n    <<: *a\n    image: x\n';
    expect(hardenText('c.yml', text, iso).plans[0]).toMatchObject({ status: 'refused', reasons: [expect.stringContaining('annotations: from a merge key')] });
  });
});

describe('hardenText egress annotation', () => {
  const eg: HardenTarget = { ...target, egress: 'public-only' };
  it('adds runtime and io.msb.egress as new lines, keeping comments and the rest', () => {
    const text = '# stack\nservices:\n  web:\n    image: x  # the page\n  db:\n    runtime: msb\n    image: y\n';
    expect(hardenText('c.yml', text, eg).output).toBe(
      '# stack\nservices:\n  web:\n    runtime: msb\n    annotations:\n      io.msb.egress: public-only\n    image: x  # the page\n  db:\n    annotations:\n      io.msb.egress: public-only\n    runtime: msb\n    image: y\n',
    );
  });

  it.each([
    ['a block mapping', '    annotations:\n      com.example: yes\n', ['    runtime: msb', '      io.msb.isolation: gvisor', '      io.msb.egress: airgapped']],
    [
      'a key=value list',
      '    annotations:\n      - com.example=yes\n',
      ['    runtime: msb', '      - io.msb.isolation=gvisor', '      - io.msb.egress=airgapped'],
    ],
    ['no annotations', '', ['    runtime: msb', '    annotations:', '      io.msb.isolation: gvisor', '      io.msb.egress: airgapped']],
  ])('with --isolation too, adds both to %s in one place', (_, annotations, lines) => {
    const text = `services:\n  app:\n    image: x\n${annotations}`;
    expect(added(text, hardenText('c.yml', text, { ...target, isolation: 'gvisor', egress: 'airgapped' }).output)).toEqual(lines);
  });

  it('adds it to a flow mapping in place, and leaves a service that has it alone', () => {
    expect(hardenText('c.yml', 'services:\n  app:\n    image: x\n    annotations: {a: b}\n', eg).output).toContain(
      '    annotations: {io.msb.egress: public-only, a: b}\n',
    );
    const done = 'services:\n  app:\n    runtime: msb\n    image: x\n    annotations: [io.msb.egress=public-only]\n';
    expect(hardenText('c.yml', done, eg).plans[0]?.status).toBe('hardened');
  });

  it('replaces a different profile only with --force, in a list in place', () => {
    const text = 'services:\n  app:\n    runtime: msb\n    image: x\n    annotations:\n      - io.msb.egress=allow-all\n';
    expect(hardenText('c.yml', text, eg).plans[0]).toMatchObject({
      status: 'refused',
      reasons: ['sets annotation io.msb.egress=allow-all; pass --force to replace it, or --exclude app'],
    });
    expect(hardenText('c.yml', text, { ...eg, force: true }).output).toBe(text.replace('allow-all', 'public-only'));
  });
});

describe('hardenText refusals', () => {
  it.each([
    ['network_mode: host', /msb refuses the host's network namespace/],
    ['privileged: true', /expects the host's devices and kernel/],
    ['pid: host', /own process table/],
    ['ipc: host', /own IPC namespace/],
  ])('refuses %s with the reason', (setting, reason) => {
    const r = hardenText('c.yml', `services:\n  app:\n    image: x\n    ${setting}\n`, target);
    expect(r.plans[0]).toMatchObject({ status: 'refused', reasons: [expect.stringMatching(reason)] });
    expect((r.plans[0] as { reasons: string[] }).reasons[0]).toMatch(new RegExp(`^${setting}: `));
  });

  it('hardens but warns about devices, host sockets and shared network namespaces', () => {
    const text =
      'services:\n  app:\n    image: x\n    devices: [/dev/fuse]\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n    network_mode: "service:db"\n';
    const r = hardenText('c.yml', text, target);
    expect(r.plans[0]?.status).toBe('change');
    expect(r.plans[0]?.warnings.map((w) => w.setting)).toEqual(['network_mode: service:db', 'devices', 'volumes: /var/run/docker.sock']);
  });

  it('reports refusals as MsbErrors only for unreadable input', () => {
    expect(() => hardenText('c.yml', '[1, 2]\n', target)).toThrow(MsbError);
  });
});
