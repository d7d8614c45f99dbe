import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dockerConfig } from '../../test/support/docker-config.js';
import { sharedSkipReason, specExample } from '../../test/support/paths.js';
import { MsbError } from './errors.js';
import { describeValidationError, loadSpec, parseSpec } from './spec.js';

const FILE = '/bundle/config.json';

function specError(text: string): MsbError {
  try {
    parseSpec(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(MsbError);
    return err as MsbError;
  }
  throw new Error('expected parseSpec to fail');
}

const minimal = { ociVersion: '1.0.2', root: { path: 'rootfs' } };

describe('parseSpec', () => {
  it('returns the parsed spec, keeping fields msb does not read', () => {
    const input = {
      ...minimal,
      hooks: { prestart: [{ path: '/x' }] },
      'x-vendor': [1, { a: null }],
      linux: { sysctl: { a: 'b' }, namespaces: [{ type: 'network' }] },
    };
    expect(parseSpec(JSON.stringify(input), FILE)).toEqual(input);
  });

  it.each([
    ['{"ociVersion": "1.0.2", "root": ', /^\/bundle\/config\.json: malformed JSON: /],
    ['', /^\/bundle\/config\.json: malformed JSON: /],
    ['{"ociVersion": "1.0.2", "root": {"path": "r"},}', /malformed JSON/],
  ])('malformed JSON %j names the file', (text, message) => {
    const err = specError(text);
    expect(err.code).toBe('invalid-spec');
    expect(err.message).toMatch(message);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it.each([
    ['a raw CR', '{"ociVersion":"1.0.2","hooks":{"prestart":[{"args":[\rlibnetwork"]}]}}'],
    ['a raw LF', '{"ociVersion":"1.0.2","process":{"args":["a",\nb"]}}'],
  ])('malformed JSON with %s stays one line (the parser quotes the input; fuzz seeds 685100394, 1032318996)', (_name, text) => {
    const err = specError(text);
    expect(err.message).toMatch(/malformed JSON/);
    // eslint-disable-next-line no-control-regex
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });

  const fieldCases: Array<{ name: string; spec: unknown; message: string }> = [
    {
      name: 'a mount destination of the wrong type',
      spec: { ...minimal, mounts: [{ destination: '/a' }, { destination: '/b' }, { destination: 42 }] },
      message: `${FILE}: field mounts.2.destination must be string`,
    },
    {
      name: 'a mount without destination',
      spec: { ...minimal, mounts: [{ source: '/a' }] },
      message: `${FILE}: field mounts.0 must have required property 'destination'`,
    },
    { name: 'missing root.path', spec: { ociVersion: '1.0.2', root: {} }, message: `${FILE}: field root must have required property 'path'` },
    { name: 'empty root.path', spec: { ociVersion: '1.0.2', root: { path: '' } }, message: `${FILE}: field root.path must match pattern "."` },
    { name: 'missing root', spec: { ociVersion: '1.0.2' }, message: `${FILE}: field (top level) must have required property 'root'` },
    { name: 'missing ociVersion', spec: { root: { path: 'r' } }, message: `${FILE}: field (top level) must have required property 'ociVersion'` },
    { name: 'not an object', spec: [minimal], message: `${FILE}: field (top level) must be object` },
    {
      name: 'a non-string annotation',
      spec: { ...minimal, annotations: { 'io.msb.isolation': 1 } },
      message: `${FILE}: field annotations.io.msb.isolation must be string`,
    },
    { name: 'a negative uid', spec: { ...minimal, process: { user: { uid: -1 } } }, message: `${FILE}: field process.user.uid must be >= 0` },
    { name: 'args not strings', spec: { ...minimal, process: { args: ['sh', 3] } }, message: `${FILE}: field process.args.1 must be string` },
    {
      name: 'a namespace without type',
      spec: { ...minimal, linux: { namespaces: [{ type: 'pid' }, { path: '/x' }] } },
      message: `${FILE}: field linux.namespaces.1 must have required property 'type'`,
    },
  ];

  it.each(fieldCases)('$name: the message names the field', ({ spec, message }) => {
    const err = specError(JSON.stringify(spec));
    expect(err.code).toBe('invalid-spec');
    expect(err.message).toBe(message);
  });
});

describe('describeValidationError', () => {
  it.each([
    [null, `${FILE}: invalid`],
    [[], `${FILE}: invalid`],
    [[{ instancePath: '/a/0/b', keyword: 'type', params: {} }], `${FILE}: field a.0.b is invalid`],
  ])('%j', (errors, expected) => {
    expect(describeValidationError(FILE, errors)).toBe(expected);
  });
});

describe('loadSpec', () => {
  it('reads <bundle>/config.json and keeps the exact original text', () => {
    const text = `{ "ociVersion": "1.0.2",\n  "root": { "path": "rootfs" } }\n`;
    const reads: string[] = [];
    const loaded = loadSpec('/b/x', (p) => {
      reads.push(p);
      return Buffer.from(text);
    });
    expect(reads).toEqual(['/b/x/config.json']);
    expect(loaded).toEqual({ spec: minimal, original: Buffer.from(text), text, path: '/b/x/config.json' });
  });

  it('reports an unreadable file with its path and errno code', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    let caught: unknown;
    try {
      loadSpec('/nowhere', () => {
        throw enoent;
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MsbError);
    expect((caught as MsbError).code).toBe('invalid-spec');
    expect((caught as MsbError).message).toBe('cannot read /nowhere/config.json: no such file or directory (ENOENT)');
    expect((caught as MsbError).cause).toBe(enoent);
  });

  it('reports validation errors with the config.json path', () => {
    expect(() => loadSpec('/b', () => Buffer.from('{"ociVersion":"1"}'))).toThrow("/b/config.json: field (top level) must have required property 'root'");
  });
});

const skip = sharedSkipReason();
if (skip) console.warn(`SKIP runtime-spec examples in spec.test.ts: ${skip}`);

describe.skipIf(skip !== undefined)('the runtime-spec examples', () => {
  const goodDir = specExample('config', 'good');
  const good = skip ? [] : readdirSync(goodDir).filter((f) => f.endsWith('.json'));

  it('the good examples folder is not empty', () => {
    expect(good.length).toBeGreaterThan(0);
  });

  it.each(good)('good/%s parses if it has ociVersion and root', (file) => {
    const path = specExample('config', 'good', file);
    const text = readFileSync(path, 'utf8');
    const data = JSON.parse(text) as Record<string, unknown>;
    if (data.ociVersion === undefined || data.root === undefined) {
      console.warn(`SKIP ${file}: no ociVersion or root (msb requires both)`);
      return;
    }
    expect(parseSpec(text, path)).toEqual(data);
  });

  it('the invalid-json bad example is refused as malformed JSON', () => {
    const path = specExample('config', 'bad', 'invalid-json.json');
    expect(() => parseSpec(readFileSync(path, 'utf8'), path)).toThrow(/invalid-json\.json: malformed JSON/);
  });
});

const fixture = dockerConfig();
const dockerSkip = 'skip' in fixture ? fixture.skip : undefined;
console.warn(
  dockerSkip
    ? `SKIP Docker's config.json in spec.test.ts: ${dockerSkip}`
    : `spec.test.ts: Docker's config.json from ${'source' in fixture ? fixture.source : ''}`,
);

describe.skipIf(dockerSkip !== undefined)("Docker's config.json", () => {
  it('parses unchanged', () => {
    const text = 'text' in fixture ? fixture.text : '{}';
    const spec = parseSpec(text, FILE);
    expect(spec).toEqual(JSON.parse(text));
    expect(spec.mounts?.find((m) => m.destination === '/etc/resolv.conf')?.source).toMatch(/^\/var\/lib\/docker\/containers\/.*\/resolv\.conf$/);
  });
});
