import { join } from 'node:path';
import { validateSpec, type ValidationError } from '../generated/validators.js';
import { MsbError } from './errors.js';
import { readRegularFile } from './read-regular-file.js';
import { describeSystemError } from './system-error.js';

/** Mount is an OCI mount entry; fields msb does not read are kept as they are. */
export interface Mount {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
  [key: string]: unknown;
}

/**
 * Spec is the part of an OCI config.json that msb reads. The index signatures keep every other
 * field, so a rewrite that spreads a Spec keeps what msb does not understand.
 */
export interface Spec {
  ociVersion: string;
  root: { path: string; readonly?: boolean; [key: string]: unknown };
  hostname?: string;
  process?: {
    args?: string[];
    env?: string[];
    cwd?: string;
    terminal?: boolean;
    user?: { uid?: number; gid?: number; [key: string]: unknown };
    [key: string]: unknown;
  };
  mounts?: Mount[];
  annotations?: Record<string, string>;
  linux?: { namespaces?: { type: string; path?: string }[]; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * LoadedSpec is a bundle's config.json as read: the parsed spec, the exact original bytes (kept
 * as bytes: invalid UTF-8 must come back unchanged on delete, not as U+FFFD) and their text.
 */
export interface LoadedSpec {
  spec: Spec;
  original: Buffer;
  text: string;
  path: string;
}

/** describeValidationError names the offending field of the first schema violation. */
export function describeValidationError(file: string, errors: readonly ValidationError[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return `${file}: invalid`;
  const field = first.instancePath === '' ? '(top level)' : first.instancePath.slice(1).replaceAll('/', '.');
  const unknown = first.params.additionalProperty;
  if (first.keyword === 'additionalProperties' && typeof unknown === 'string') {
    return `${file}: unknown key ${JSON.stringify(unknown)} in ${field === '(top level)' ? 'the top level' : `field ${field}`}`;
  }
  return `${file}: field ${field} ${first.message ?? 'is invalid'}`;
}

/** parseSpec parses and validates config.json text; errors name the file and the field. */
export function parseSpec(text: string, path: string): Spec {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MsbError('invalid-spec', `${path}: malformed JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!validateSpec(data)) throw new MsbError('invalid-spec', describeValidationError(path, validateSpec.errors));
  return data as Spec;
}

/** loadSpec reads <bundle>/config.json, which must be a regular file of bounded size (read-regular-file.ts). */
export function loadSpec(bundle: string, read: (p: string) => Buffer = (p) => readRegularFile(p, `config.json ${p}`, 'invalid-spec')): LoadedSpec {
  const path = join(bundle, 'config.json');
  let original: Buffer;
  try {
    original = read(path);
  } catch (err) {
    if (err instanceof MsbError) throw err;
    throw new MsbError('invalid-spec', `cannot read ${path}: ${describeSystemError(err)}`, { cause: err });
  }
  const text = original.toString('utf8');
  return { spec: parseSpec(text, path), original, text, path };
}
