import { realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Spec } from '../base/spec.js';
import type { BindMountFacts } from './host-socket-policy.js';

/** MountFs is the host file system as bindMountFacts sees it; tests pass a fake. */
export interface MountFs {
  stat: (p: string) => { isSocket(): boolean; isDirectory(): boolean };
  realpath: (p: string) => string;
}

const hostFs: MountFs = { stat: (p) => statSync(p), realpath: (p) => realpathSync(p) };

/** isBindMount: runc treats a mount as a bind when its type is "bind" or its options say bind/rbind. */
export function isBindMount(m: { type?: string; options?: string[] }): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

/**
 * bindMountFacts stats the source of every bind mount (following symlinks, as the mount will).
 * A source that cannot be read is "other": the backend's own create reports it.
 */
export function bindMountFacts(spec: Spec, fs: MountFs = hostFs): BindMountFacts[] {
  const facts: BindMountFacts[] = [];
  for (const m of spec.mounts ?? []) {
    if (!isBindMount(m) || m.source === undefined || !isAbsolute(m.source)) continue;
    try {
      const st = fs.stat(m.source);
      const kind = st.isSocket() ? 'socket' : st.isDirectory() ? 'directory' : 'other';
      facts.push({ destination: m.destination, source: m.source, realSource: fs.realpath(m.source), kind });
    } catch {
      facts.push({ destination: m.destination, source: m.source, realSource: m.source, kind: 'other' });
    }
  }
  return facts;
}
