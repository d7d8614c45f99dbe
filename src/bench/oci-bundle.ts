import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { mustRun, stdoutOf } from './timed-spawn.js';

interface Mount {
  destination?: string;
  [k: string]: unknown;
}
interface Namespace {
  type?: string;
  path?: string;
}

/** exportRootfs unpacks an image's filesystem into dir/rootfs (docker create + docker export). */
export function exportRootfs(cleanup: Cleanup, image: string, dir: string): string {
  const rootfs = join(dir, 'rootfs');
  const tar = join(dir, 'rootfs.tar');
  mkdirSync(rootfs, { recursive: true });
  const id = stdoutOf('docker', ['create', image, 'true']);
  const drop = cleanup.push(`docker rm -f ${id}`, () => stdoutOf('docker', ['rm', '-f', id]));
  try {
    mustRun('docker', ['export', '-o', tar, id]);
    mustRun('tar', ['-xf', tar, '-C', rootfs]);
  } finally {
    rmSync(tar, { force: true });
    stdoutOf('docker', ['rm', '-f', id]);
    drop();
  }
  return rootfs;
}

/**
 * adjustSpec turns `runsc spec` output into the benchmark's container: `sleep 30` without a
 * terminal, in a new network namespace (no path: the runtime creates it, as for Docker's
 * containers) and without a resolv.conf bind mount, on the shared exported rootfs.
 */
function adjustSpec(spec: Record<string, unknown>, rootfs: string): Record<string, unknown> {
  const process = { ...(spec.process as Record<string, unknown>), args: ['sleep', '30'], terminal: false };
  const mounts = ((spec.mounts as Mount[] | undefined) ?? []).filter((m) => m.destination !== '/etc/resolv.conf');
  const linux = { ...(spec.linux as Record<string, unknown> | undefined) };
  const namespaces = ((linux.namespaces as Namespace[] | undefined) ?? []).filter((ns) => ns.type !== 'network');
  linux.namespaces = [...namespaces, { type: 'network' }];
  return { ...spec, process, root: { path: rootfs, readonly: true }, mounts, linux };
}

/**
 * makeBundle writes name/config.json under dir for the shared rootfs. Each runtime gets its own
 * bundle because msb rewrites config.json at create (and puts the original back at delete).
 */
export function makeBundle(runsc: string, dir: string, name: string, rootfs: string): string {
  const bundle = join(dir, name);
  mkdirSync(bundle, { recursive: true });
  mustRun(runsc, ['spec', '--bundle', bundle]);
  const path = join(bundle, 'config.json');
  const spec = adjustSpec(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, rootfs);
  writeFileSync(path, `${JSON.stringify(spec, null, 2)}\n`);
  return bundle;
}
