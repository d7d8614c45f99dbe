import { MsbError } from '../base/errors.js';
import { ISOLATION_ANNOTATION } from './annotations.js';
import type { Policy } from './policy.js';

/** BackendChoice is the selected backend and, in order, why each candidate was taken or skipped. */
export interface BackendChoice {
  name: string;
  source: 'annotation' | 'runtime-args' | 'policy';
  trail: string[];
}

interface Candidate {
  source: BackendChoice['source'];
  label: string;
  value: string | undefined;
  honoured: boolean;
}

/**
 * selectBackend picks the sandbox for one container: the io.msb.isolation annotation, else the
 * runtime alias's --isolation (daemon.json runtimeArgs), else the policy default. A candidate
 * that asks for something unknown, unavailable or not allowed fails create: msb never falls back
 * to another sandbox (and never to runc).
 */
export function selectBackend(
  policy: Policy,
  runtimeArgIsolation: string | undefined,
  annotations: Readonly<Record<string, string>> | undefined,
  available: readonly string[],
): BackendChoice {
  const candidates: Candidate[] = [
    {
      source: 'annotation',
      label: `annotation ${ISOLATION_ANNOTATION}`,
      value: annotations?.[ISOLATION_ANNOTATION],
      honoured: policy.isolation.allowAnnotation,
    },
    { source: 'runtime-args', label: 'runtime argument --isolation', value: runtimeArgIsolation, honoured: policy.isolation.allowRuntimeArgs },
    { source: 'policy', label: `policy default (${policy.source})`, value: policy.isolation.default, honoured: true },
  ];
  const trail: string[] = [];
  for (const c of candidates) {
    if (c.value === undefined) {
      trail.push(`${c.label}: not set`);
      continue;
    }
    if (!c.honoured) {
      throw new MsbError('forbidden', `${c.label}=${c.value} is not allowed by policy ${policy.source}`);
    }
    if (!available.includes(c.value)) {
      throw new MsbError('invalid-argument', `unknown isolation "${c.value}" (from ${c.label}); known: ${available.join(', ')}`);
    }
    if (!policy.isolation.allowed.includes(c.value)) {
      throw new MsbError(
        'forbidden',
        `isolation "${c.value}" (from ${c.label}) is not allowed by policy ${policy.source} (allowed: ${policy.isolation.allowed.join(', ')})`,
      );
    }
    trail.push(`${c.label}: ${c.value} (chosen)`);
    return { name: c.value, source: c.source, trail };
  }
  throw new MsbError('internal', 'no isolation candidate');
}
