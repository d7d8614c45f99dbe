import { readdirSync, readFileSync } from 'node:fs';
import { MsbError } from '../base/errors.js';

/** DockerdHost is the part of the host dockerd discovery and reload touch; tests pass a fake one. */
export interface DockerdHost {
  pidFile: string;
  procRoot: string;
  readFile: (path: string) => string;
  readdir: (path: string) => string[];
  kill: (pid: number, signal: NodeJS.Signals) => void;
}

/** realDockerdHost is this machine: dockerd's default --pidfile and the real /proc. */
const realDockerdHost: DockerdHost = {
  pidFile: '/var/run/docker.pid',
  procRoot: '/proc',
  readFile: (path) => readFileSync(path, 'utf8'),
  readdir: (path) => readdirSync(path),
  kill: (pid, signal) => process.kill(pid, signal),
};

/** ReloadOutcome says whom reloadDockerd signalled; an empty list means dockerd is not running. */
export interface ReloadOutcome {
  pids: number[];
  /** via says how the pids were found, for the message. */
  via: string;
}

/**
 * findDockerd lists running dockerd pids: the one in docker.pid if that process is still dockerd
 * (a stale pid file can name a reused pid), else every process whose /proc/PID/comm is "dockerd".
 */
export function findDockerd(host: DockerdHost = realDockerdHost): ReloadOutcome {
  const fromPidFile = readPid(host, host.pidFile);
  if (fromPidFile !== undefined && isDockerd(host, fromPidFile)) return { pids: [fromPidFile], via: host.pidFile };
  let entries: string[] = [];
  try {
    entries = host.readdir(host.procRoot);
  } catch {
    // no /proc (a container without it): nothing to signal
  }
  const pids = entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => isDockerd(host, pid));
  return { pids: pids.sort((a, b) => a - b), via: `${host.procRoot}/*/comm` };
}

/**
 * reloadDockerd sends SIGHUP to every running dockerd. dockerd then re-reads daemon.json and
 * reloads "runtimes" and "default-runtime" in the background (moby daemon/reload.go), so the new
 * runtime shows in `docker info` a moment later, not when this returns.
 */
export function reloadDockerd(host: DockerdHost = realDockerdHost): ReloadOutcome {
  const found = findDockerd(host);
  const signalled: number[] = [];
  for (const pid of found.pids) {
    try {
      host.kill(pid, 'SIGHUP');
      signalled.push(pid);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') continue; // exited since we looked: nothing left to reload
      throw new MsbError(
        code === 'EPERM' ? 'forbidden' : 'internal',
        `daemon.json is written, but dockerd (pid ${pid}) could not be signalled: ${(err as Error).message}; run \`kill -HUP ${pid}\` as root`,
        { cause: err },
      );
    }
  }
  return { pids: signalled, via: found.via };
}

function readPid(host: DockerdHost, path: string): number | undefined {
  try {
    const pid = Number.parseInt(host.readFile(path).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isDockerd(host: DockerdHost, pid: number): boolean {
  try {
    return host.readFile(`${host.procRoot}/${pid}/comm`).trim() === 'dockerd';
  } catch {
    return false;
  }
}
