// Docker's view of a gVisor container's root filesystem (issue 16, docs/gvisor.md "Root filesystem
// writes"): a file the container wrote is seen by docker diff, docker cp (both ways), docker export
// and docker commit, and survives docker restart and stop/start, under msb with each runsc release
// msb supports: the host's runsc (0.0~20240729 from bookworm-backports here, whose own default
// overlay hides the writes from Docker) and bookworm's 0.0~20221219 (kept at LEGACY_RUNSC by
// scripts/provision.sh), chosen by policy gvisor.runsc. One container per release does every check.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { which } from '../../src/base/which.js';
import { docker, dockerOk, dockerSkipReason, waitUntil } from '../support/docker.js';
import { LEGACY_RUNSC, repoRoot } from '../support/paths.js';

const dockerSkip = dockerSkipReason();
if (dockerSkip) console.warn(`SKIP rootfs writes suite: ${dockerSkip}`);

const PREFIX = 'msb-test-rootfs';
const msbctl = join(repoRoot, 'shim/msbctl');
const dir = mkdtempSync(join(tmpdir(), 'msb-rootfs-writes-'));

interface Release {
  label: string;
  runsc: string | undefined;
  runtime: string;
}

/** runscVersion is the binary's `--version` first line, or why it cannot be used. */
function runscVersion(runsc: string | undefined): { version: string } | { skip: string } {
  if (!runsc) return { skip: 'runsc is not on PATH' };
  const r = spawnSync(runsc, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { skip: `${runsc} does not run (${r.error?.message ?? `exit ${r.status}`}); scripts/provision.sh puts it there` };
  return { version: r.stdout.split('\n')[0] ?? '' };
}

const releases: Release[] = [
  { label: "the host's runsc", runsc: which('runsc'), runtime: `${PREFIX}-host` },
  { label: "bookworm's runsc 0.0~20221219", runsc: LEGACY_RUNSC, runtime: `${PREFIX}-legacy` },
];
const skips = new Map<string, string>();
for (const r of releases) {
  const v = runscVersion(r.runsc);
  if ('skip' in v) {
    skips.set(r.runtime, v.skip);
    console.warn(`SKIP rootfs writes under ${r.label}: ${v.skip}`);
  } else {
    console.log(`rootfs writes: ${r.label} is ${r.runsc}: ${v.version}`);
  }
}

// The in-sandbox overlay, chosen per container by annotation where policy allows it: Docker then
// sees only runsc's filestore, which is the trade docs/gvisor.md describes.
const hostRunsc = releases[0]?.runsc;
const hostVersion = runscVersion(hostRunsc);
const sandboxRuntime = `${PREFIX}-sandbox`;
const sandboxSkip =
  'skip' in hostVersion
    ? hostVersion.skip
    : /20221219/.test(hostVersion.version)
      ? `the host's runsc is ${hostVersion.version}, whose in-sandbox overlay lives in memory (no filestore to see)`
      : undefined;
if (sandboxSkip) console.warn(`SKIP rootfs writes in runsc's own overlay: ${sandboxSkip}`);

const containers: string[] = [];
const images: string[] = [];

function ctl(args: string[]): void {
  const r = spawnSync(msbctl, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  if (dockerSkip) return;
  const names: string[] = [];
  for (const r of releases) {
    if (skips.has(r.runtime) || !r.runsc) continue;
    const policy = join(dir, `${r.runtime}.json`);
    writeFileSync(policy, JSON.stringify({ gvisor: { runsc: r.runsc } }));
    ctl(['install', '--name', r.runtime, '--runtime-arg', `--policy=${policy}`]);
    names.push(r.runtime);
  }
  if (!sandboxSkip && hostRunsc) {
    const policy = join(dir, 'sandbox.json');
    writeFileSync(policy, JSON.stringify({ gvisor: { runsc: hostRunsc, allowRootfsWritesAnnotation: true } }));
    const wrapper = join(repoRoot, 'test/support/wrappers/inject-annotation.sh');
    ctl([
      'install',
      '--name',
      sandboxRuntime,
      '--path',
      wrapper,
      ...['--annotation', 'io.msb.gvisor.rootfs-writes=sandbox', `--policy=${policy}`].flatMap((a) => ['--runtime-arg', a]),
    ]);
    names.push(sandboxRuntime);
  }
  const registered = await waitUntil(() => {
    const info = docker(['info', '--format', '{{json .Runtimes}}']).stdout;
    return names.every((n) => info.includes(`"${n}"`));
  });
  if (!registered) throw new Error('dockerd did not pick up the test runtimes after SIGHUP');
}, 60_000);

afterAll(() => {
  if (containers.length > 0) docker(['rm', '-f', ...containers]);
  if (images.length > 0) docker(['rmi', '-f', ...images]);
  if (!dockerSkip) for (const name of [...releases.map((r) => r.runtime), sandboxRuntime]) spawnSync(msbctl, ['uninstall', '--name', name]);
  rmSync(dir, { recursive: true, force: true });
});

const exec = (c: string, script: string): string => dockerOk(['exec', c, 'sh', '-c', script]);

describe.skipIf(dockerSkip !== undefined).each(releases)('Docker sees what a container wrote, under msb with $label', (release) => {
  const skip = skips.get(release.runtime);
  const c = `${PREFIX}-${release.runtime.slice(PREFIX.length + 1)}-${process.pid}`;

  beforeAll(() => {
    if (skip) return;
    docker(['rm', '-f', c]);
    containers.push(c);
    dockerOk(['run', '-d', '--name', c, `--runtime=${release.runtime}`, 'local/busybox', 'sleep', '1000']);
    exec(c, 'echo data > /created.txt && mkdir /made && echo nested > /made/file.txt');
  }, 60_000);

  it.skipIf(skip !== undefined)('docker diff lists the files, and no runsc filestore', () => {
    const diff = dockerOk(['diff', c]).split('\n');
    expect(diff).toContain('A /created.txt');
    expect(diff).toContain('A /made/file.txt');
    expect(diff.filter((l) => l.includes('.gvisor.filestore'))).toEqual([]);
  });

  it.skipIf(skip !== undefined)('docker cp copies a written file out, and a host file in (the container reads it)', () => {
    const out = join(dir, `${c}-out.txt`);
    dockerOk(['cp', `${c}:/created.txt`, out]);
    expect(readFileSync(out, 'utf8')).toBe('data\n');
    const into = join(dir, `${c}-in.txt`);
    writeFileSync(into, 'from the host\n');
    dockerOk(['cp', into, `${c}:/made/from-host.txt`]);
    expect(exec(c, 'cat /made/from-host.txt')).toBe('from the host\n');
  });

  it.skipIf(skip !== undefined)('docker export carries the written file', () => {
    const tar = spawnSync('sh', ['-c', 'docker export "$1" | tar -xOf - made/file.txt', 'sh', c], { encoding: 'utf8' });
    expect(tar.stderr).toBe('');
    expect(tar.stdout).toBe('nested\n');
  });

  it.skipIf(skip !== undefined)('docker commit makes an image with the written file', () => {
    const image = `${c}-image`;
    images.push(image);
    dockerOk(['commit', c, image]);
    expect(dockerOk(['run', '--rm', '--runtime=runc', image, 'cat', '/created.txt'])).toBe('data\n');
  });

  it.skipIf(skip !== undefined)('the writes survive docker restart, and docker stop + start', () => {
    dockerOk(['restart', '-t', '1', c]);
    expect(exec(c, 'cat /created.txt /made/from-host.txt')).toBe('data\nfrom the host\n');
    exec(c, 'echo again > /after-restart.txt');
    dockerOk(['stop', '-t', '1', c]);
    dockerOk(['start', c]);
    expect(exec(c, 'cat /created.txt /after-restart.txt')).toBe('data\nagain\n');
  });
});

describe.skipIf(dockerSkip !== undefined || sandboxSkip !== undefined)("runsc's own overlay, where policy lets the annotation ask for it", () => {
  it("keeps the writes from Docker: docker diff shows only runsc's filestore", () => {
    const c = `${PREFIX}-sandbox-${process.pid}`;
    containers.push(c);
    dockerOk(['run', '-d', '--name', c, `--runtime=${sandboxRuntime}`, 'local/busybox', 'sleep', '1000']);
    exec(c, 'echo data > /created.txt');
    expect(exec(c, 'cat /created.txt')).toBe('data\n');
    const diff = dockerOk(['diff', c]).split('\n');
    expect(diff).not.toContain('A /created.txt');
    expect(diff.some((l) => /^A \/\.gvisor\.filestore\./.test(l))).toBe(true);
  });
});
