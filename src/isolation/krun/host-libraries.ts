import { lstatSync, readlinkSync } from 'node:fs';
import type { Mount } from '../../base/spec.js';

/** HOST_SYSTEM_DIRS are the host directories msb (glibc, libcap-ng), tini and sh come from. */
const HOST_SYSTEM_DIRS: readonly string[] = ['/usr', '/lib', '/lib64', '/bin', '/sbin'];

/** HostLibraries is how the VMM's root gets the host's system directories: symlinks (merged /usr) and read-only binds. */
export interface HostLibraries {
  links: { path: string; target: string }[];
  mounts: Mount[];
}

/** SystemDirFs is what hostLibraries reads; tests pass a fake. */
export interface SystemDirFs {
  kind: (path: string) => 'symlink' | 'directory' | 'missing';
  readlink: (path: string) => string;
}

const realFs: SystemDirFs = {
  kind: (p) => {
    try {
      const st = lstatSync(p);
      return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'missing';
    } catch {
      return 'missing';
    }
  },
  readlink: (p) => readlinkSync(p),
};

/**
 * hostLibraries binds the host's /usr (and /lib, /lib64, /bin, /sbin where they are not merged-/usr
 * symlinks) read-only into the VMM's own root, which is not the image's: msb is a glibc binary
 * that needs the host's glibc and libcap-ng, and the image may have neither (or other versions).
 * The guest never sees them: it boots the image's rootfs.
 */
export function hostLibraries(fs: SystemDirFs = realFs): HostLibraries {
  const out: HostLibraries = { links: [], mounts: [] };
  for (const dir of HOST_SYSTEM_DIRS) {
    const kind = fs.kind(dir);
    if (kind === 'symlink') out.links.push({ path: dir, target: fs.readlink(dir) });
    else if (kind === 'directory') out.mounts.push({ destination: dir, type: 'bind', source: dir, options: ['rbind', 'ro', 'nosuid', 'nodev', 'rprivate'] });
  }
  return out;
}
