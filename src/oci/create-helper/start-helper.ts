import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../isolation/policy.js';
import { distDir, FALLBACK_ENV, HELPER_BUNDLE, HELPER_CLIENT } from './helper-paths.js';

/** stoppedPid is the pid of a helper the client found unresponsive, when that helper is stopped (SIGSTOP) or a zombie. */
function stoppedPid(reason: string): number | undefined {
  const m = /^unresponsive (\d+)$/.exec(reason);
  if (!m) return undefined;
  try {
    const stat = readFileSync(`/proc/${m[1]}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    const cmdline = readFileSync(`/proc/${m[1]}/cmdline`, 'utf8');
    return 'TtZ'.includes(state) && cmdline.startsWith('msb-create-helper') ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * afterNodeCreate runs once the Node path finished a create the client handed to it
 * (docs/create-helper.md): when no helper answered, it starts one in the background for the next
 * create, unless the policy turns helpers off; a helper that is stopped (SIGSTOP) is killed, so
 * the next create starts a fresh one. It never fails the create.
 */
export function afterNodeCreate(policy: Policy, env: NodeJS.ProcessEnv = process.env): void {
  const reason = env[FALLBACK_ENV];
  if (reason === undefined || !policy.createHelper.enabled) return;
  try {
    const stopped = stoppedPid(reason);
    if (stopped !== undefined) process.kill(stopped, 'SIGKILL');
    if (reason !== 'absent' && stopped === undefined) return;
    const childEnv = { ...env };
    delete childEnv[FALLBACK_ENV];
    // Through the client, which closes every descriptor this create inherited before it execs Node.
    const dist = distDir();
    spawn(
      join(dist, HELPER_CLIENT),
      ['--start-helper', process.execPath, join(dist, HELPER_BUNDLE), '--idle-seconds', String(policy.createHelper.idleSeconds)],
      { detached: true, stdio: 'ignore', cwd: '/', env: childEnv },
    ).unref();
  } catch {
    // The helper only saves time: the next create tries again.
  }
}
