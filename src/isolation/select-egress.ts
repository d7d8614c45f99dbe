import { EGRESS_ANNOTATION } from './annotations.js';
import type { Policy } from './policy.js';
import { MsbError } from '../base/errors.js';
import type { EgressProfile } from '../egress/profiles.js';

/** EgressChoice is the container's profile and, in order, where it came from. */
export interface EgressChoice {
  profile: EgressProfile;
  source: 'annotation' | 'runtime-args' | 'policy';
  trail: string[];
}

function known(policy: Policy, name: string, label: string): EgressProfile {
  const profile = policy.egress.profiles[name];
  if (!profile)
    throw new MsbError('invalid-argument', `unknown egress profile "${name}" (from ${label}); known: ${Object.keys(policy.egress.profiles).join(', ')}`);
  return profile;
}

/**
 * selectEgress picks one container's egress profile, as selectBackend picks its sandbox: the
 * runtime name's --egress (daemon.json runtimeArgs) or else the policy default sets the base and
 * the menu (policy egress.runtimes[P], default P alone; else egress.allowed); an io.msb.egress
 * annotation may pick only from that menu. A container can choose a listed profile, never add
 * rules; anything unknown or not allowed fails create.
 */
export function selectEgress(policy: Policy, runtimeArgEgress: string | undefined, annotations: Readonly<Record<string, string>> | undefined): EgressChoice {
  const e = policy.egress;
  const trail: string[] = [];
  let base: EgressProfile;
  let menu: string[];
  let source: EgressChoice['source'];
  if (runtimeArgEgress !== undefined) {
    if (!e.allowRuntimeArgs)
      throw new MsbError(
        'forbidden',
        `runtime argument --egress=${runtimeArgEgress} is not allowed by policy ${policy.source} (egress.allowRuntimeArgs is false)`,
      );
    base = known(policy, runtimeArgEgress, 'runtime argument --egress');
    menu = e.runtimes[runtimeArgEgress] ?? [runtimeArgEgress];
    source = 'runtime-args';
    trail.push(`runtime argument --egress: ${runtimeArgEgress}`);
  } else {
    base = known(policy, e.default, `policy ${policy.source} egress.default`);
    menu = e.allowed;
    source = 'policy';
    trail.push(`runtime argument --egress: not set; policy default (${policy.source}): ${e.default}`);
  }
  const wanted = annotations?.[EGRESS_ANNOTATION];
  if (wanted === undefined) {
    trail.push(`annotation ${EGRESS_ANNOTATION}: not set; profile ${base.name} (chosen)`);
    return { profile: base, source, trail };
  }
  const label = `annotation ${EGRESS_ANNOTATION}`;
  if (!e.allowAnnotation) throw new MsbError('forbidden', `${label}=${wanted} is not allowed by policy ${policy.source} (egress.allowAnnotation is false)`);
  const profile = known(policy, wanted, label);
  if (!menu.includes(wanted)) {
    throw new MsbError(
      'forbidden',
      `egress profile "${wanted}" (from ${label}) is not allowed for this runtime by policy ${policy.source} (allowed: ${menu.join(', ')})`,
    );
  }
  trail.push(`${label}: ${wanted} (chosen)`);
  return { profile, source: 'annotation', trail };
}
