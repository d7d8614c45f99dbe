import type { LogFormat, LogTarget } from '../base/log.js';
import type { RuntimeContext } from '../isolation/backend.js';
import { DEFAULT_ROOT } from '../base/paths.js';

/**
 * GlobalOptions are runc's global flags, which Docker and containerd pass before the command,
 * and msb's own (--isolation, --policy, --egress), which daemon.json's runtimeArgs put in front of them.
 */
export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: LogFormat;
  debug: boolean;
  systemdCgroup: boolean;
  rootless?: string;
  criu?: string;
  isolation?: string;
  policy?: string;
  /** The runtime name's egress profile (daemon.json runtimeArgs --egress=P). */
  egress?: string;
}

/** defaultGlobalOptions is what a caller that passes no flags gets. */
export function defaultGlobalOptions(): GlobalOptions {
  return { root: DEFAULT_ROOT, logFormat: 'text', debug: false, systemdCgroup: false };
}

/** logTargetOf is where this invocation's log lines go. */
export function logTargetOf(g: GlobalOptions): LogTarget {
  return { path: g.log, format: g.logFormat, debug: g.debug };
}

/** backendLogArgs forwards --log, --log-format and --debug to a backend that speaks runc's flags. */
export function backendLogArgs(g: GlobalOptions): string[] {
  const args: string[] = [];
  if (g.log) args.push('--log', g.log, '--log-format', g.logFormat);
  if (g.debug) args.push('--debug');
  return args;
}

/** runtimeContextOf is what a backend gets of this invocation's options (isolation/backend.ts). */
export function runtimeContextOf(g: GlobalOptions): RuntimeContext {
  return { root: g.root, systemdCgroup: g.systemdCgroup, log: logTargetOf(g), logArgs: backendLogArgs(g) };
}
