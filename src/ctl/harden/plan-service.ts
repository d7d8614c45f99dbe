import { isMap, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { EGRESS_ANNOTATION, ISOLATION_ANNOTATION } from '../../isolation/annotations.js';
import { type ComposeFile, type ComposeService, isRecord, ownPair } from './compose-file.js';
import { type Finding, sandboxFindings } from './sandbox-findings.js';
import { columnOf, type Entry, insertEntries, prependSeqItem, replaceScalar, type TextEdit, yamlScalar } from './text-edits.js';

/** HardenTarget is what every service should end up with, and how far harden may go to get there. */
export interface HardenTarget {
  runtime: string;
  isolation?: string;
  /** The egress profile (annotation io.msb.egress), already checked against the policy. */
  egress?: string;
  /** Replace a different runtime, isolation or egress profile the file already sets. */
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

/** annotationOf reads one annotation from compose annotations in mapping or `key=value` list form. */
function annotationOf(annotations: unknown, key: string): string | undefined {
  if (isRecord(annotations)) return annotations[key] === undefined ? undefined : String(annotations[key]);
  if (!Array.isArray(annotations)) return undefined;
  const item = annotations.find((a): a is string => typeof a === 'string' && a.startsWith(`${key}=`));
  return item?.slice(key.length + 1);
}

/** targetAnnotations are the annotations harden sets: io.msb.isolation (--isolation), io.msb.egress (--egress). */
export function targetAnnotations(target: Pick<HardenTarget, 'isolation' | 'egress'>): { key: string; value: string }[] {
  return [
    ...(target.isolation !== undefined ? [{ key: ISOLATION_ANNOTATION, value: target.isolation }] : []),
    ...(target.egress !== undefined ? [{ key: EGRESS_ANNOTATION, value: target.egress }] : []),
  ];
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
  const wanted = targetAnnotations(target);
  if (wanted.length > 0) planAnnotations(file, s, s.node, wanted, target.force, d);
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
    d.reasons.push(
      `sets runtime: ${String(current)}${own ? '' : ' (through a merge key)'}; pass --force to replace it, or --exclude ${s.name} to leave the service as it is`,
    );
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

function planAnnotations(
  file: ComposeFile,
  s: ComposeService,
  node: YAMLMap,
  wanted: readonly { key: string; value: string }[],
  force: boolean,
  d: Draft,
): void {
  const todo = wanted.flatMap((w) => {
    const current = annotationOf(s.effective.annotations, w.key);
    return current === w.value ? [] : [{ ...w, current }];
  });
  if (todo.length === 0) return;
  const blocked = todo.filter((w) => w.current !== undefined && !force);
  for (const w of blocked) d.reasons.push(`sets annotation ${w.key}=${w.current}; pass --force to replace it, or --exclude ${s.name}`);
  if (blocked.length > 0) return;
  const own = ownPair(node, 'annotations');
  if (own === undefined && s.effective.annotations !== undefined) {
    d.reasons.push(
      `takes annotations: from a merge key; an own annotations: would replace them all: add ${todo.map((w) => w.key).join(' and ')} to the anchor by hand`,
    );
    return;
  }
  if (own === undefined) d.top.push({ key: 'annotations', value: todo.map((w) => ({ key: w.key, value: yamlScalar(w.value) })) });
  else {
    const edits = annotationEdits(file, own, todo);
    if (edits === undefined) {
      d.reasons.push('its annotations: is neither a mapping nor a list of key=value strings; set it by hand');
      return;
    }
    d.edits.push(...edits);
  }
  for (const w of todo)
    d.changes.push(w.current === undefined ? `add annotation ${w.key}=${w.value}` : `replace annotation ${w.key}=${w.current} with ${w.value}`);
}

/** annotationEdits set annotations in an own annotations: mapping or key=value list: present ones replaced in place, new ones added at its top in one edit. */
function annotationEdits(file: ComposeFile, own: Pair<Scalar, unknown>, todo: readonly { key: string; value: string }[]): TextEdit[] | undefined {
  const value = own.value;
  const edits: TextEdit[] = [];
  if (isMap(value)) {
    const added: Entry[] = [];
    for (const w of todo) {
      const entry = ownPair(value, w.key);
      if (entry === undefined) added.push({ key: w.key, value: yamlScalar(w.value) });
      else {
        const edit = replaceScalar(entry.value, yamlScalar(w.value));
        if (edit === undefined) return undefined;
        edits.push(edit);
      }
    }
    if (added.length > 0) edits.push(insertEntries(file.text, own.key, value, added, 2, file.newline));
    return edits;
  }
  if (isSeq(value)) {
    const added: string[] = [];
    for (const w of todo) {
      const text = yamlScalar(`${w.key}=${w.value}`);
      const item = value.items.find((i) => isScalar(i) && String(i.value).startsWith(`${w.key}=`));
      if (item === undefined) added.push(text);
      else {
        const edit = replaceScalar(item, text);
        if (edit === undefined) return undefined;
        edits.push(edit);
      }
    }
    // Edits at one offset keep their order (applyEdits): the items come out in the order given.
    for (const text of added) {
      const edit = prependSeqItem(file.text, value, text, file.newline);
      if (edit === undefined) return undefined;
      edits.push(edit);
    }
    return edits;
  }
  return undefined;
}
