import { isAlias, isMap, isScalar, type Pair, parseAllDocuments, type Scalar, type YAMLMap } from 'yaml';
import { MsbError } from '../../base/errors.js';

/** ServiceShape is how a service is written: a block or flow mapping, an alias of another node, or something else. */
type ServiceShape = 'block' | 'flow' | 'alias' | 'other';

/** ComposeService is one entry under `services:`, with its YAML nodes and its merged configuration. */
export interface ComposeService {
  name: string;
  key: Scalar;
  shape: ServiceShape;
  /** The service's own mapping (block or flow), undefined for aliases and non-mappings. */
  node: YAMLMap | undefined;
  /** The configuration compose sees: merge keys (`<<: *x`) resolved, own keys winning. */
  effective: Record<string, unknown>;
}

/** ComposeFile is a parsed compose file: its text, services in file order and its line ending. */
export interface ComposeFile {
  path: string;
  text: string;
  newline: '\n' | '\r\n';
  /** The whole file as compose reads it (merge keys and aliases resolved). */
  data: Record<string, unknown>;
  services: ComposeService[];
}

/** parseComposeFile reads a compose file with the yaml package's Document API (merge keys on, as PyYAML and Compose v2 read them). */
export function parseComposeFile(path: string, text: string): ComposeFile {
  const docs = parseAllDocuments(text, { merge: true, prettyErrors: false });
  if (!Array.isArray(docs)) throw new MsbError('invalid-argument', `${path}: empty file`);
  if (docs.length !== 1) throw new MsbError('invalid-argument', `${path}: holds ${docs.length} YAML documents; a compose file is one`);
  const doc = docs[0]!;
  const error = doc.errors[0];
  if (error) throw new MsbError('invalid-argument', `${path}: not valid YAML: ${error.message}`);
  const data: unknown = doc.toJS({ maxAliasCount: 10_000 });
  if (!isRecord(data) || !isMap(doc.contents)) throw new MsbError('invalid-argument', `${path}: not a compose file (the top level is not a mapping)`);
  const services = doc.get('services', true);
  if (!isMap(services) || !isRecord(data.services)) {
    // Compose file format 1 put services at the top level; it predates the runtime option (format 2.3).
    throw new MsbError(
      'invalid-argument',
      `${path}: no top-level services: mapping (compose file format 1 has no runtime option; move the services under services:)`,
    );
  }
  const list: ComposeService[] = [];
  for (const pair of services.items as Pair<unknown, unknown>[]) {
    if (!isScalar(pair.key)) throw new MsbError('invalid-argument', `${path}: a key under services: is not a plain name`);
    const name = String(pair.key.value);
    // The Compose Specification reserves x-* keys for extensions everywhere, services: included.
    if (name.startsWith('x-')) continue;
    const effective = data.services[name];
    list.push({ name, key: pair.key, ...shapeOf(pair.value), effective: isRecord(effective) ? effective : {} });
  }
  return { path, text, newline: text.includes('\r\n') ? '\r\n' : '\n', data, services: list };
}

function shapeOf(value: unknown): { shape: ServiceShape; node: YAMLMap | undefined } {
  if (isMap(value)) return { shape: value.flow ? 'flow' : 'block', node: value };
  if (isAlias(value)) return { shape: 'alias', node: undefined };
  return { shape: 'other', node: undefined };
}

/** ownPair finds a key the service writes itself (not through a merge key). */
export function ownPair(node: YAMLMap | undefined, key: string): Pair<Scalar, unknown> | undefined {
  return node?.items.find((p): p is Pair<Scalar, unknown> => isScalar(p.key) && p.key.value === key);
}

/** isRecord is true for plain mappings. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
