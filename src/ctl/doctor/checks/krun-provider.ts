import { basename } from 'node:path';
import { type KrunProvider, MICROSANDBOX_VERSION } from '../../../isolation/krun/provider.js';
import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/** libkrunfwVersion reads the version from libkrunfw's file name (libkrunfw.so.5.6.1 → 5.6.1). */
export function libkrunfwVersion(path: string): string | undefined {
  return /^libkrunfw\.so\.(\d+(?:\.\d+)*)$/.exec(basename(path))?.[1];
}

/**
 * krunProviderCheck: microsandbox's msb (the microVM monitor) and libkrunfw (the guest kernel)
 * are installed beside msb, `msb --version` runs, and the version is the one msb is tested with.
 */
export const krunProviderCheck: DoctorCheck<DoctorContext> = {
  id: 'krun-provider',
  run(ctx): Finding {
    const isolation = ctx.policy().policy.isolation;
    const severity = isolation.default === 'krun' ? 'fail' : 'warn';
    let provider: KrunProvider;
    try {
      provider = ctx.host.findKrunProvider();
    } catch (err) {
      const summary = `microsandbox not found: ${(err as Error).message}`;
      if (!isolation.allowed.includes('krun')) return { status: 'skip', summary: `${summary}; policy does not allow krun` };
      return { status: severity, summary, fix: `npm install in msb's checkout (it pins microsandbox ${MICROSANDBOX_VERSION})`, facts: { found: false } };
    }
    const libVersion = libkrunfwVersion(provider.libkrunfw) ?? 'unknown';
    const r = ctx.host.run(provider.msb, ['--version']);
    const said = r.stdout.trim().split('\n')[0] ?? '';
    const facts = {
      found: true,
      msb: provider.msb,
      msbVersion: said.replace(/^msb\s+/, '') || null,
      packageVersion: provider.version,
      libkrunfw: provider.libkrunfw,
      libkrunfwVersion: libVersion,
    };
    if (r.error || r.status !== 0) {
      return {
        status: severity,
        summary: `${provider.msb} --version fails: ${r.error ?? (r.stderr.trim().split('\n').at(-1) || `exit ${r.status}`)}`,
        fix: `reinstall: npm ci in msb's checkout (package.json pins microsandbox's platform package ${MICROSANDBOX_VERSION})`,
        facts,
      };
    }
    const summary = `${said} (${provider.msb}), libkrunfw ${libVersion} (${provider.libkrunfw})`;
    if (provider.version !== MICROSANDBOX_VERSION) {
      return {
        status: 'warn',
        summary: `${summary}: package ${provider.version}, msb is tested with ${MICROSANDBOX_VERSION}`,
        fix: `npm ci in msb's checkout (package.json pins ${MICROSANDBOX_VERSION})`,
        facts,
      };
    }
    return { status: 'ok', summary, facts };
  },
};
