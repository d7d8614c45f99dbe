import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrArgs, PAUSE_IMAGE, type PrivateContainerdLayout } from './private-containerd.js';

/** BUSYBOX_IMAGE is a one-layer image of the host's static busybox (Debian's busybox-static). */
export const BUSYBOX_IMAGE = 'docker.io/local/cri-busybox:msb';

function run(cmd: string, args: string[], input?: Buffer): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

/**
 * importImage packs the directory `rootfs` as a one-layer image in docker-archive form (what
 * `docker save` writes: manifest.json, a config, a layer tar) and imports it into containerd's
 * k8s.io namespace, where CRI finds its images. No registry and no Docker are needed.
 */
function importImage(l: PrivateContainerdLayout, name: string, rootfs: string, cmd: string[], work: string): void {
  const layer = join(work, 'layer.tar');
  run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', layer, '.']);
  const diffId = `sha256:${createHash('sha256').update(readFileSync(layer)).digest('hex')}`;
  const config = { architecture: 'amd64', os: 'linux', config: { Cmd: cmd, Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: [diffId] } };
  writeFileSync(join(work, 'config.json'), JSON.stringify(config));
  writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [name.replace(/^docker\.io\//, '')], Layers: ['layer.tar'] }]));
  const archive = join(work, 'image.tar');
  run('tar', ['-C', work, '-cf', archive, 'manifest.json', 'config.json', 'layer.tar']);
  run('ctr', ctrArgs(l, 'images', 'import', archive));
}

/** buildPause compiles pause.c statically into dir, or says why it cannot. */
function buildPause(dir: string, source: string): { path: string } | { skip: string } {
  const path = join(dir, 'pause');
  const r = spawnSync('gcc', ['-static', '-O2', '-o', path, source], { encoding: 'utf8' });
  if (r.error) return { skip: `gcc is not available to build the pause image (${r.error.message}; apt-get install gcc libc6-dev)` };
  if (r.status !== 0) return { skip: `gcc -static could not build ${source}: ${r.stderr.trim().split('\n').at(-1) ?? ''}` };
  return { path };
}

/** hasImage says whether the private containerd already holds `name` in k8s.io. */
function hasImage(l: PrivateContainerdLayout, name: string): boolean {
  return spawnSync('ctr', ctrArgs(l, 'images', 'ls', '-q'), { encoding: 'utf8' })
    .stdout.split('\n')
    .includes(name);
}

/**
 * importLocalImages puts the pause image (pause.c, static) and a busybox image (the host's static
 * /bin/busybox with a link per applet) into the private containerd, once.
 */
export function importLocalImages(l: PrivateContainerdLayout, pauseSource: string, busybox = '/bin/busybox'): void {
  const work = mkdtempSync(join(tmpdir(), 'msb-cri-images-'));
  try {
    if (!hasImage(l, PAUSE_IMAGE)) {
      const root = join(work, 'pause-root');
      mkdirSync(root);
      const built = buildPause(work, pauseSource);
      if ('skip' in built) throw new Error(built.skip);
      copyFileSync(built.path, join(root, 'pause'));
      chmodSync(join(root, 'pause'), 0o755);
      importImage(l, PAUSE_IMAGE, root, ['/pause'], work);
    }
    if (!hasImage(l, BUSYBOX_IMAGE)) {
      const root = join(work, 'busybox-root');
      for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
      chmodSync(join(root, 'tmp'), 0o1777);
      copyFileSync(busybox, join(root, 'bin', 'busybox'));
      chmodSync(join(root, 'bin', 'busybox'), 0o755);
      for (const applet of run(busybox, ['--list'])
        .split('\n')
        .filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox')) {
        symlinkSync('busybox', join(root, 'bin', applet));
      }
      writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
      writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
      importImage(l, BUSYBOX_IMAGE, root, ['/bin/sh'], work);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
