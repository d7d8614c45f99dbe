import { isMap, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { ISOLATION_ANNOTATION } from '../../isolation/annotations.js';
import { type ComposeFile, type ComposeService, isRecord, ownPair } from './compose-file.js';
import { type Finding, sandboxFindings } from './sandbox-findings.js';
import { columnOf, type Entry, insertEntries, prependSeqItem, replaceScalar, type TextEdit, yamlScalar } from './text-edits.js';

/** HardenTarget is what every service should end up with, and how far harden may go to get there. */
export interface HardenTarget {
  runtime: string;
  isolation?: string;
  /** Replace a different runtime or isolation the file already sets. */
  force: boolean;
  /** Services the operator leaves as they are (they stay unsandboxed). */
  exclude: readonly string[];
}

/** ServicePlan is harden's verdict on one service. */
export type ServicePlan = { service: string; warnings: Finding[] } & (
  | { status: 'hardened' | 'excluded' }
  | { status: 'change'; changes: string[]; edits: TextEdit[] }
  | { status: 'refused'; reasons: string[] }
);

/** isolationOf reads io.msb.isolation from compose annotations in mapping or `key=value` list form. */
export function isolationOf(annotations: unknown): string | undefined {
  if (isRecord(annotations)) return annotations[ISOLATION_ANNOTATION] === undefined ? undefined : String(annotations[ISOLATION_ANNOTATION]);
  if (!Array.isArray(annotations)) return undefined;
  const item = annotations.find((a): a is string => typeof a === 'string' && a.startsWith(`${ISOLATION_ANNOTATION}=`));
  return item?.slice(ISOLATION_ANNOTATION.length + 1);
}

interface Draft {
  reasons: string[];
  changes: string[];
  edits: TextEdit[];
  top: Entry[];
}

/** planService decides what harden does to one service: nothing, which edits, or why it refuses. */
export function planService(file: ComposeFile, s: ComposeService, target: HardenTarget): ServicePlan {
  if (target.exclude.includes(s.name)) return { service: s.name, warnings: [], status: 'excluded' };
  const findings = sandboxFindings(s.effective);
  const warnings = findings.filter((f) => f.level === 'warning');
  const d: Draft = { reasons: findings.filter((f) => f.level === 'error').map((f) => `${f.setting}: ${f.reason}`), changes: [], edits: [], top: [] };
  if (s.shape === 'alias') d.reasons.push('is a YAML alias of another node: write it as a mapping with `<<: *anchor` so harden can change this service alone');
  if (s.shape === 'other') d.reasons.push('has no configuration mapping');
  if (d.reasons.length > 0 || s.node === undefined) return { service: s.name, warnings, status: 'refused', reasons: d.reasons };
  planRuntime(s, s.node, target, d);
  if (target.isolation !== undefined) planIsolation(file, s, s.node, target.isolation, target.force, d);
  const step = Math.max(2, (s.node.items[0] ? columnOf(file.text, (s.node.items[0].key as Scalar).range![0]) : 0) - columnOf(file.text, s.key.range![0]));
  if (d.top.length > 0) d.edits.push(insertEntries(file.text, s.key, s.node, d.top, step, file.newline));
  if (d.reasons.length > 0) return { service: s.name, warnings, status: 'refused', reasons: d.reasons };
  if (d.edits.length === 0) return { service: s.name, warnings, status: 'hardened' };
  return { service: s.name, warnings, status: 'change', changes: d.changes, edits: d.edits };
}

function planRuntime(s: ComposeService, node: YAMLMap, target: HardenTarget, d: Draft): void {
  const current = s.effective.runtime;
  if (current === target.runtime) return;
  const own = ownPair(node, 'runtime');
  const value = yamlScalar(target.runtime);
  if (current === undefined) {
    d.top.push({ key: 'runtime', value });
    d.changes.push(`add runtime: ${target.runtime}`);
  } else if (!target.force) {
    d.reasons.push(`sets runtime: ${String(current)}${own ? '' : ' (through a merge key)'}; pass --force to replace it, or --exclude ${s.name} to leave the service as it is`);
  } else if (own === undefined) {
    d.top.push({ key: 'runtime', value });
    d.changes.push(`add runtime: ${target.runtime} (overriding ${String(current)} from a merge key)`);
  } else {
    const edit = replaceScalar(own.value, value);
    if (edit === undefined || current === null) d.reasons.push('its runtime: is not a plain value; set it by hand');
    else {
      d.edits.push(edit);
      d.changes.push(`replace runtime: ${String(current)} with ${target.runtime}`);
    }
  }
}

function planIsolation(file: ComposeFile, s: ComposeService, node: YAMLMap, isolation: string, force: boolean, d: Draft): void {
  const current = isolationOf(s.effective.annotations);
  if (current === isolation) return;
  const own = ownPair(node, 'annotations');
  const change = current === undefined ? `add annotation ${ISOLATION_ANNOTATION}=${isolation}` : `replace annotation ${ISOLATION_ANNOTATION}=${current} with ${isolation}`;
  if (current !== undefined && !force) {
    d.reasons.push(`sets annotation ${ISOLATION_ANNOTATION}=${current}; pass --force to replace it, or --exclude ${s.name}`);
    return;
  }
  if (own === undefined && s.effective.annotations !== undefined) {
    d.reasons.push(`takes annotations: from a merge key; an own annotations: would replace them all: add ${ISOLATION_ANNOTATION} to the anchor by hand`);
    return;
  }
  const edit = own === undefined ? undefined : isolationEdit(file, own, isolation);
  if (own === undefined) d.top.push({ key: 'annotations', value: [{ key: ISOLATION_ANNOTATION, value: yamlScalar(isolation) }] });
  else if (edit === undefined) {
    d.reasons.push('its annotations: is neither a mapping nor a list of key=value strings; set it by hand');
    return;
  } else d.edits.push(edit);
  d.changes.push(change);
}

function isolationEdit(file: ComposeFile, own: Pair<Scalar, unknown>, isolation: string): TextEdit | undefined {
  const value = own.value;
  if (isMap(value)) {
    const entry = ownPair(value, ISOLATION_ANNOTATION);
    if (entry) return replaceScalar(entry.value, yamlScalar(isolation));
    return insertEntries(file.text, own.key, value, [{ key: ISOLATION_ANNOTATION, value: yamlScalar(isolation) }], 2, file.newline);
  }
  if (isSeq(value)) {
    const item = value.items.find((i) => isScalar(i) && String(i.value).startsWith(`${ISOLATION_ANNOTATION}=`));
    const text = yamlScalar(`${ISOLATION_ANNOTATION}=${isolation}`);
    return item === undefined ? prependSeqItem(file.text, value, text, file.newline) : replaceScalar(item, text);
  }
  return undefined;
}
