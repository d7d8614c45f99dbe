import { isDeepStrictEqual } from 'node:util';
import { MsbError } from '../../base/errors.js';
import { parseComposeFile, isRecord } from './compose-file.js';
import { type HardenTarget, planService, type ServicePlan, targetAnnotations } from './plan-service.js';
import { applyEdits } from './text-edits.js';

/** HardenedFile is one compose file's verdicts and the text it would have after hardening. */
export interface HardenedFile {
  path: string;
  text: string;
  /** The hardened text (equal to text when nothing changes or something is refused). */
  output: string;
  plans: ServicePlan[];
}

/**
 * hardenText plans every service of one compose file and applies the edits of those it may
 * change. The result is read back and must equal the original configuration with only runtime
 * (and the isolation annotation) set on the changed services; anything else is a bug, and
 * nothing is written.
 */
export function hardenText(path: string, text: string, target: HardenTarget): HardenedFile {
  const file = parseComposeFile(path, text);
  const plans = file.services.map((s) => planService(file, s, target));
  const changed = plans.filter((p) => p.status === 'change');
  // A refused service means nothing is written, so there is no output to build (or to check).
  if (changed.length === 0 || plans.some((p) => p.status === 'refused')) return { path, text, output: text, plans };
  const output = applyEdits(
    text,
    changed.flatMap((p) => p.edits),
  );
  const expected = structuredClone(file.data) as { services: Record<string, Record<string, unknown>> };
  for (const p of changed) expected.services[p.service] = withTarget(expected.services[p.service] ?? {}, target);
  let actual: unknown;
  try {
    actual = parseComposeFile(path, output).data;
  } catch (err) {
    throw new MsbError('internal', `${path}: the hardened file does not parse (a bug in msbctl harden; nothing written): ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!isDeepStrictEqual(actual, expected)) {
    const services = isRecord(actual) && isRecord(actual.services) ? actual.services : {};
    const dragged = Object.keys(expected.services).filter(
      (n) => !changed.some((p) => p.service === n) && !isDeepStrictEqual(services[n], expected.services[n]),
    );
    if (dragged.length > 0) {
      throw new MsbError(
        'unsupported',
        `${path}: hardening ${changed.map((p) => p.service).join(', ')} would also change ${dragged.join(', ')} through a YAML anchor they share; harden those too or edit the anchor by hand`,
      );
    }
    throw new MsbError('internal', `${path}: the hardened file does not read back as the original plus runtime (a bug in msbctl harden; nothing written)`);
  }
  return { path, text, output, plans };
}

/** withTarget is a service's merged configuration as harden means to leave it. */
function withTarget(config: Record<string, unknown>, target: HardenTarget): Record<string, unknown> {
  const next: Record<string, unknown> = { ...config, runtime: target.runtime };
  const wanted = targetAnnotations(target);
  if (wanted.length === 0) return next;
  const annotations = config.annotations;
  if (Array.isArray(annotations)) {
    let list = [...annotations];
    const added: string[] = [];
    for (const w of wanted) {
      const item = `${w.key}=${w.value}`;
      const at = list.findIndex((a) => typeof a === 'string' && a.startsWith(`${w.key}=`));
      if (at < 0) added.push(item);
      else list = list.map((a, i) => (i === at ? item : a));
    }
    next.annotations = [...added, ...list];
  } else {
    next.annotations = { ...(isRecord(annotations) ? annotations : {}), ...Object.fromEntries(wanted.map((w) => [w.key, w.value])) };
  }
  return next;
}
