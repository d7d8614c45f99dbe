import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/** HostTool describes a host binary a backend runs: how to find it, ask its version, and why it matters. */
interface HostTool {
  id: string;
  command: string;
  versionArgs: string[];
  /** why names what the tool does for msb, in the summary when it is missing. */
  why: string;
  install: string;
}

/**
 * hostToolCheck builds a check that finds a tool on PATH and reports its first version line.
 * The tools serve the krun backend, so a missing one is a warning (a failure when krun is the
 * policy default, skipped when the policy does not allow krun).
 */
function hostToolCheck(tool: HostTool): DoctorCheck<DoctorContext> {
  return {
    id: tool.id,
    run(ctx): Finding {
      const isolation = ctx.policy().policy.isolation;
      const path = ctx.host.which(tool.command);
      if (!path) {
        const summary = `${tool.command} not found on PATH: ${tool.why}`;
        if (!isolation.allowed.includes('krun')) return { status: 'skip', summary: `${summary}; policy does not allow krun`, facts: { found: false } };
        return { status: isolation.default === 'krun' ? 'fail' : 'warn', summary, fix: tool.install, facts: { found: false } };
      }
      const r = ctx.host.run(path, tool.versionArgs);
      const version = (r.stdout || r.stderr).trim().split('\n')[0] ?? '';
      if (r.error || r.status !== 0) {
        return {
          status: 'warn',
          summary: `${path} ${tool.versionArgs.join(' ')} fails: ${r.error ?? `exit ${r.status}`}`,
          fix: tool.install,
          facts: { found: true, path },
        };
      }
      return { status: 'ok', summary: `${path}: ${version}`, facts: { found: true, path, version } };
    },
  };
}

/** tiniCheck: tini, the init msb puts in front of microsandbox's msb so `docker stop` reaches the VM. */
export const tiniCheck = hostToolCheck({
  id: 'tini',
  command: 'tini',
  versionArgs: ['--version'],
  why: 'microVM containers need it as PID 1 (msb ignores SIGTERM as PID 1)',
  install: 'apt-get install tini',
});

/** runcCheck: runc, which sets up namespaces and cgroups for microVM containers. */
export const runcCheck = hostToolCheck({
  id: 'runc',
  command: 'runc',
  versionArgs: ['--version'],
  why: 'microVM containers use it for namespaces and cgroups',
  install: 'apt-get install runc',
});
