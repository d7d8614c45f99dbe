import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { MsbError } from '../../base/errors.js';
import { which } from '../../base/which.js';

/**
 * createDockerVolume makes the sparse ext4 disk image msb mounts at the guest's /var/lib/docker:
 * dockerd in the VM cannot put overlayfs on the virtio-fs root, but can on a block device.
 * The image lives on the host's disk (policy krun.volumeDirectory), never on a tmpfs.
 */
export function createDockerVolume(path: string, sizeMiB: number): void {
  const mkfs = which('mkfs.ext4');
  if (!mkfs) throw new MsbError('host-unsupported', 'krun: mkfs.ext4 not found; it is needed for the /var/lib/docker volume (install e2fsprogs)');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'wx', 0o600);
  try {
    ftruncateSync(fd, sizeMiB * 1024 * 1024);
  } finally {
    closeSync(fd);
  }
  const r = spawnSync(mkfs, ['-q', '-F', '-m', '0', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (r.status !== 0) {
    rmSync(path, { force: true });
    throw new MsbError('backend', `krun: mkfs.ext4 ${path} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  }
}
