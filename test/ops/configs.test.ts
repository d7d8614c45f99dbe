// The snippets in configs/ stay what msb accepts: daemon.json files parse and name only msb's own
// runtime arguments and known sandboxes, policy.json is exactly the built-in defaults, and the
// containerd handler, its annotations and the Kubernetes RuntimeClass agree with the code's lists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseDaemonJson, runtimesOf, validateRuntimeName } from '../../src/ctl/daemon-json.js';
import { HONOURED_GVISOR_FLAGS, KNOWN_ANNOTATIONS } from '../../src/isolation/annotations.js';
import { BACKENDS } from '../../src/isolation/backends.js';
import { parsePolicy, withDefaults } from '../../src/isolation/policy.js';
import { GLOBAL_FLAGS } from '../../src/oci/argv.js';
import { repoRoot } from '../support/paths.js';

const configs = join(repoRoot, 'configs');
const read = (name: string): string => readFileSync(join(configs, name), 'utf8');
const daemonSnippets = readdirSync(configs).filter((f) => f.startsWith('daemon.json.'));
const sandboxes = Object.keys(BACKENDS);

describe('configs/daemon.json.*', () => {
  it('has the snippets the docs name', () => {
    expect(daemonSnippets.sort()).toEqual([
      'daemon.json.aliases',
      'daemon.json.default-runtime',
      'daemon.json.msb',
      'daemon.json.msb-gvisor',
      'daemon.json.msb-krun',
    ]);
  });

  it.each(daemonSnippets)("%s registers msb-runtime with msb's own arguments only", (name) => {
    const config = parseDaemonJson(read(name), name);
    const runtimes = runtimesOf(config, name) ?? {};
    expect(Object.keys(runtimes).length).toBeGreaterThan(0);
    for (const [runtime, entry] of Object.entries(runtimes) as [string, { path: string; runtimeArgs?: string[] }][]) {
      validateRuntimeName(runtime);
      expect(entry.path).toMatch(/\/shim\/msb-runtime$/);
      for (const arg of entry.runtimeArgs ?? []) {
        const m = /^--([a-z-]+)=(\S+)$/.exec(arg);
        expect(m, arg).not.toBeNull();
        expect(GLOBAL_FLAGS.map((f) => f.name)).toContain(m?.[1]);
        if (m?.[1] === 'isolation') {
          expect(sandboxes).toContain(m[2]);
          expect(runtime).toBe(`msb-${m[2]}`);
        }
      }
    }
    if (config['default-runtime'] !== undefined) expect(Object.keys(runtimes)).toContain(config['default-runtime']);
  });
});

describe('configs/policy.json', () => {
  it('validates and spells out exactly the built-in defaults', () => {
    const { source: _a, ...fromFile } = parsePolicy(read('policy.json'), 'policy.json');
    const { source: _b, ...defaults } = withDefaults({}, 'built-in defaults');
    expect(fromFile).toEqual(defaults);
  });
});

describe('configs/containerd and configs/kubernetes', () => {
  const toml = read('containerd/config.toml');
  const names = [...toml.matchAll(/^\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.([A-Za-z0-9_.-]+)\]$/gm)].map((m) => m[1]);
  const handler = names.find((n) => n !== 'runc');

  it('runs msb-runtime through the runc v2 shim, keeping runc declared as the default', () => {
    expect(names).toEqual(['runc', 'msb']);
    expect(toml).toMatch(/^\s*default_runtime_name = "runc"$/m);
    expect(toml).toMatch(/^\s*runtime_type = "io\.containerd\.runc\.v2"$/m);
    expect(toml).toMatch(/^\s*BinaryName = "\/opt\/msb\/shim\/msb-runtime"$/m);
  });

  it('passes every annotation msb honours from pods and containers', () => {
    for (const key of ['pod_annotations', 'container_annotations']) {
      const list = JSON.parse(new RegExp(`^\\s*${key} = (\\[.*\\])$`, 'm').exec(toml)?.[1] ?? '[]') as string[];
      const passes = (k: string): boolean => list.some((g) => (g.endsWith('*') ? k.startsWith(g.slice(0, -1)) : k === g));
      for (const k of [...Object.keys(KNOWN_ANNOTATIONS), ...Object.keys(HONOURED_GVISOR_FLAGS)]) expect(passes(k), `${key} lacks ${k}`).toBe(true);
    }
  });

  it('names the same handler in the RuntimeClass, and the example pod uses it with a valid annotation', () => {
    const docs = parseAllDocuments(read('kubernetes/runtimeclass.yaml')).map((d) => d.toJSON() as Record<string, any>);
    const rc = docs.find((d) => d.kind === 'RuntimeClass');
    expect(rc).toMatchObject({ apiVersion: 'node.k8s.io/v1', metadata: { name: 'msb' }, handler });
    const pod = docs.find((d) => d.kind === 'Pod');
    expect(pod?.spec.runtimeClassName).toBe(rc?.metadata.name);
    expect(sandboxes).toContain(pod?.metadata.annotations['io.msb.isolation']);
  });
});
