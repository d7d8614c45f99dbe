import { describe, expect, it } from 'vitest';
import { MsbError } from '../base/errors.js';
import { type DockerdHost, findDockerd, reloadDockerd } from './dockerd.js';

/** fakeHost is a /proc and pid file made of a map; kill records its calls or throws errno. */
function fakeHost(files: Record<string, string>, killErrno?: string): DockerdHost & { killed: [number, string][] } {
  const killed: [number, string][] = [];
  return {
    pidFile: '/run/docker.pid',
    procRoot: '/proc',
    killed,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    readdir: () => [...new Set(Object.keys(files).flatMap((p) => /^\/proc\/([^/]+)\//.exec(p)?.[1] ?? []))].concat(['self', 'sys']),
    kill: (pid, signal) => {
      if (killErrno) throw Object.assign(new Error(`kill ${pid}: ${killErrno}`), { code: killErrno });
      killed.push([pid, signal]);
    },
  };
}

describe('findDockerd', () => {
  it.each<{ name: string; files: Record<string, string>; pids: number[]; via: string }>([
    {
      name: 'trusts docker.pid when that pid is dockerd',
      files: { '/run/docker.pid': '42\n', '/proc/42/comm': 'dockerd\n', '/proc/7/comm': 'dockerd\n' },
      pids: [42],
      via: '/run/docker.pid',
    },
    {
      name: 'scans /proc when docker.pid is stale',
      files: { '/run/docker.pid': '42', '/proc/42/comm': 'bash\n', '/proc/7/comm': 'dockerd\n' },
      pids: [7],
      via: '/proc/*/comm',
    },
    {
      name: 'scans /proc when docker.pid is missing',
      files: { '/proc/9/comm': 'dockerd\n', '/proc/8/comm': 'containerd\n', '/proc/3/comm': 'dockerd\n' },
      pids: [3, 9],
      via: '/proc/*/comm',
    },
    { name: 'scans /proc when docker.pid holds garbage', files: { '/run/docker.pid': 'x', '/proc/5/comm': 'dockerd' }, pids: [5], via: '/proc/*/comm' },
    { name: 'finds nothing when dockerd is not running', files: { '/proc/8/comm': 'containerd\n' }, pids: [], via: '/proc/*/comm' },
  ])('$name', ({ files, pids, via }) => {
    expect(findDockerd(fakeHost(files))).toEqual({ pids, via });
  });
});

describe('reloadDockerd', () => {
  it('sends SIGHUP to dockerd', () => {
    const host = fakeHost({ '/run/docker.pid': '42', '/proc/42/comm': 'dockerd\n' });
    expect(reloadDockerd(host)).toEqual({ pids: [42], via: '/run/docker.pid' });
    expect(host.killed).toEqual([[42, 'SIGHUP']]);
  });

  it('signals nobody when dockerd is not running', () => {
    const host = fakeHost({});
    expect(reloadDockerd(host).pids).toEqual([]);
    expect(host.killed).toEqual([]);
  });

  it('treats a dockerd that exited meanwhile as not running', () => {
    expect(reloadDockerd(fakeHost({ '/proc/42/comm': 'dockerd' }, 'ESRCH')).pids).toEqual([]);
  });

  it('fails with the kill command to run when it may not signal dockerd', () => {
    expect(() => reloadDockerd(fakeHost({ '/proc/42/comm': 'dockerd' }, 'EPERM'))).toThrow(MsbError);
    expect(() => reloadDockerd(fakeHost({ '/proc/42/comm': 'dockerd' }, 'EPERM'))).toThrow(/kill -HUP 42/);
  });
});
