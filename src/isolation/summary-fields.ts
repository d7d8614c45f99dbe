import { MsbError } from '../base/errors.js';
import type { ContainerRecord } from '../base/record.js';

/** FieldKind is what one field of a backend summary must hold; a trailing ? lets it be absent. */
export type FieldKind = 'string' | 'number' | 'boolean' | 'string[]' | 'object' | 'string?' | 'number?' | 'boolean?' | 'string[]?' | 'object?';

function holds(kind: string, value: unknown): boolean {
  switch (kind) {
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === kind;
  }
}

/**
 * checkSummaryFields checks `value` (record.backendSummary, or an object inside it at `at`) against
 * `fields` and returns it as an object; fields it does not name pass unchecked (they are for
 * humans). A wrong or missing field is refused with an MsbError naming the container, the field
 * and what it holds, instead of a later command acting on a shape msb did not write.
 */
export function checkSummaryFields(
  backend: string,
  record: ContainerRecord,
  value: unknown,
  fields: Readonly<Record<string, FieldKind>>,
  at = 'backendSummary',
): Record<string, unknown> {
  const refuse = (field: string, want: string, got: unknown): MsbError =>
    new MsbError(
      'internal',
      `${backend}: the record of container ${record.id} has a ${field} msb cannot read (${want} expected, found ${JSON.stringify(got) ?? 'nothing'}); was it written by another msb version?`,
    );
  if (!holds('object', value)) throw refuse(at, 'an object', value);
  const o = value as Record<string, unknown>;
  for (const [name, kind] of Object.entries(fields)) {
    const optional = kind.endsWith('?');
    const v = o[name];
    if (v === undefined && optional) continue;
    const base = optional ? kind.slice(0, -1) : kind;
    if (!holds(base, v)) throw refuse(`${at}.${name}`, base === 'string[]' ? 'a list of strings' : `a ${base}`, v);
  }
  return o;
}

/** checkRecordBackend refuses a record of another backend: a summary is read only by the backend that wrote it. */
export function checkRecordBackend(backend: string, record: ContainerRecord): void {
  if (record.backend !== backend) throw new MsbError('internal', `${backend}: container ${record.id} runs under ${record.backend}, not ${backend}`);
}
