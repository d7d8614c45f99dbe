import { MsbError } from '../../base/errors.js';
import { ROOTFS_WRITES_ANNOTATION } from '../annotations.js';
import type { RunscVersion } from './runsc-version.js';

/** RootfsWrites says where a container's root filesystem writes go (docs/gvisor.md, "Root filesystem writes"). */
export type RootfsWrites = 'docker' | 'sandbox';

/** SELF_OVERLAY_SINCE is the first runsc release whose --overlay2 knows the "self" medium (a file in the rootfs). */
const SELF_OVERLAY_SINCE = 20230214;

/** RootfsWritesDecision is the mode for one container, runsc's flag for it, and why. */
export interface RootfsWritesDecision {
  mode: RootfsWrites;
  /** The --overlay2 flag msb passes runsc. */
  flag: string;
  reason: string;
}

/** RootfsWritesPolicy is the part of the policy this decision reads. */
export interface RootfsWritesPolicy {
  source: string;
  gvisor: { rootfsWrites: RootfsWrites; allowRootfsWritesAnnotation: boolean };
}

/**
 * overlayFlagFor is runsc's --overlay2 for a mode on a release: "none" keeps writes in the
 * rootfs directory Docker gave runsc (its overlayfs upper directory), on every release; the
 * in-sandbox overlay is backed by a file in the rootfs ("self") where the release has that
 * medium, else by sandbox memory (runsc 0.0~20221219 knows only memory and a directory).
 */
export function overlayFlagFor(mode: RootfsWrites, version: RunscVersion): string {
  if (mode === 'docker') return '--overlay2=none';
  return version.date !== undefined && version.date < SELF_OVERLAY_SINCE ? '--overlay2=root:memory' : '--overlay2=root:self';
}

/**
 * decideRootfsWrites applies policy gvisor.rootfsWrites, or the io.msb.gvisor.rootfs-writes
 * annotation where policy gvisor.allowRootfsWritesAnnotation allows it. Since release-20230313
 * runsc keeps rootfs writes in its own overlay file (.gvisor.filestore.*), which `docker diff`,
 * `docker cp`, `docker commit` and `docker export` do not see and `docker restart` throws away;
 * "docker" (the default) turns that overlay off so the writes land where Docker looks.
 */
export function decideRootfsWrites(
  policy: RootfsWritesPolicy,
  annotations: Readonly<Record<string, string>> | undefined,
  version: RunscVersion,
): RootfsWritesDecision {
  const asked = annotations?.[ROOTFS_WRITES_ANNOTATION];
  let mode = policy.gvisor.rootfsWrites;
  let from = `policy gvisor.rootfsWrites=${mode}`;
  if (asked !== undefined) {
    if (!policy.gvisor.allowRootfsWritesAnnotation) {
      throw new MsbError(
        'forbidden',
        `annotation ${ROOTFS_WRITES_ANNOTATION}=${asked} is not allowed by policy ${policy.source} (gvisor.allowRootfsWritesAnnotation is false)`,
      );
    }
    mode = asked as RootfsWrites;
    from = `annotation ${ROOTFS_WRITES_ANNOTATION}=${asked}`;
  }
  const flag = overlayFlagFor(mode, version);
  const reason =
    mode === 'docker'
      ? `${from}: writes go to Docker's container layer (docker diff, cp, commit, export see them; restart keeps them)`
      : `${from}: writes stay in runsc's overlay (${flag.slice('--overlay2='.length)}); Docker does not see them and a restart drops them`;
  return { mode, flag, reason };
}
