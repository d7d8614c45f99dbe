import { resolve } from 'node:path';
import { checkAnnotations } from '../../isolation/annotations.js';
import { BACKENDS } from '../../isolation/backends.js';
import { inspectKvmHost } from '../../isolation/kvm-host.js';
import { loadPolicy } from '../../isolation/policy.js';
import { selectBackend } from '../../isolation/select-backend.js';
import { selectEgress } from '../../isolation/select-egress.js';
import { MsbError } from '../../base/errors.js';
import { defaultGlobalOptions, runtimeContextOf } from '../../oci/global-options.js';
import { containerPaths } from '../../base/paths.js';
import { loadSpec } from '../../base/spec.js';

/** TranslateOptions are `msbctl translate`'s flags, already parsed. */
export interface TranslateOptions {
  bundle: string;
  id: string;
  policy?: string;
  isolation?: string;
  egress?: string;
}

function hostCheckReport(mode: 'enforce' | 'warn'): Record<string, string> {
  const v = inspectKvmHost();
  const create = v.kind === 'usable' ? 'boots the microVM' : mode === 'enforce' ? 'fails with the reason' : 'warns and tries';
  return { policy: mode, host: v.kind, reason: v.reason, create };
}

/**
 * translate prints what create would decide for a bundle, without creating anything: the backend
 * and why, the rewritten config.json, and (krun) the microVM configuration and the `msb run`
 * command line. The host check is reported rather than enforced, so the translation can be
 * read on any host. Backends' prepare steps write nothing (backend.ts).
 */
export function translate(opts: TranslateOptions, out: (text: string) => void = (t) => process.stdout.write(t)): void {
  const policy = loadPolicy(opts.policy ?? process.env.MSB_POLICY);
  const bundle = resolve(opts.bundle);
  const { spec } = loadSpec(bundle);
  checkAnnotations(spec.annotations);
  const choice = selectBackend(policy, opts.isolation, spec.annotations, Object.keys(BACKENDS));
  const backend = BACKENDS[choice.name];
  if (!backend) throw new MsbError('internal', `backend ${choice.name} is not registered`);
  const egress = selectEgress(policy, opts.egress, spec.annotations);
  const runtime = runtimeContextOf(defaultGlobalOptions());
  const debug: string[] = [];
  const prepared = backend.prepare({
    id: opts.id,
    bundle,
    spec,
    policy: { ...policy, krun: { ...policy.krun, hostCheck: 'warn' } },
    egress: egress.profile,
    runtime,
    paths: containerPaths(runtime.root, opts.id),
    preserveFds: 0,
    debug: (m) => void debug.push(m),
  });
  const summary = prepared.summary as { vm?: unknown };
  const doc = {
    backend: choice.name,
    selection: choice.trail,
    egress: { profile: egress.profile.name, selection: egress.trail },
    notes: debug,
    ...(choice.name === 'krun' ? { hostCheck: hostCheckReport(policy.krun.hostCheck) } : {}),
    config: prepared.spec,
    ...(summary.vm ? { vm: summary.vm } : {}),
  };
  out(`${JSON.stringify(doc, null, 2)}\n`);
}
