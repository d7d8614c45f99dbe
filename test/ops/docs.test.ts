// The operator docs list what the code accepts, so they cannot drift: every policy key of the
// schema, every annotation msb honours and msb's own runtime arguments are in the operator guide;
// every doc is linked from the README.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HONOURED_GVISOR_FLAGS, KNOWN_ANNOTATIONS } from '../../src/isolation/annotations.js';
import { GLOBAL_FLAGS } from '../../src/oci/argv.js';
import { repoRoot } from '../support/paths.js';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  $ref?: string;
}

const schema = JSON.parse(readFileSync(join(repoRoot, 'src/schemas/policy.schema.json'), 'utf8')) as SchemaNode & { definitions: Record<string, SchemaNode> };
const guide = readFileSync(join(repoRoot, 'docs/operator-guide.md'), 'utf8');

function deref(node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const name = /^#\/definitions\/([^/]+)$/.exec(node.$ref)?.[1];
  return name ? (schema.definitions[name] ?? node) : node;
}

/** policyKeys lists section.key for every key, with the fields of array items (rules) beside it. */
function policyKeys(): { key: string; fields: string[] }[] {
  const keys: { key: string; fields: string[] }[] = [];
  for (const [section, node] of Object.entries(schema.properties ?? {})) {
    if (section === '$schema') continue;
    for (const [key, leaf] of Object.entries(node.properties ?? {})) {
      const items = leaf.items ? deref(leaf.items) : undefined;
      keys.push({ key: `${section}.${key}`, fields: Object.keys(items?.properties ?? {}) });
    }
  }
  return keys;
}

describe('docs/operator-guide.md', () => {
  it.each(policyKeys())('documents policy key $key with its fields', ({ key, fields }) => {
    const row = guide.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
    expect(row, `no table row for ${key}`).toBeDefined();
    for (const f of fields) expect(row, `${key} row lacks "${f}"`).toContain(`"${f}"`);
  });

  it.each([...Object.keys(KNOWN_ANNOTATIONS), ...Object.keys(HONOURED_GVISOR_FLAGS)])('documents annotation %s', (key) => {
    expect(guide).toContain(`| \`${key}\` |`);
  });

  it.each(GLOBAL_FLAGS.filter((f) => /daemon\.json|policy/.test(f.help)).map((f) => f.name))("documents msb's runtime argument --%s", (name) => {
    expect(guide).toMatch(new RegExp(`\\| \`--${name}=`));
  });
});

describe('README.md', () => {
  it('links every doc', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    for (const doc of readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')))
      expect(readme, `README does not link docs/${doc}`).toContain(`(docs/${doc})`);
  });
});
