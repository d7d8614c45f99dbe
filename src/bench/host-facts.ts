import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';

/** HostFacts identify the machine and versions a result was measured on. */
export interface HostFacts {
  kernel: string;
  cpus: number;
  cpuModel: string;
  runsc: string;
  docker: { client: string; server: string };
  node: string;
  msb: string;
  /** git is the checkout's HEAD, with "-dirty" when the work tree has uncommitted changes. */
  git: string;
}

function firstLine(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : `unknown (${file} ${args.join(' ')} exited ${String(r.status)})`;
}

/** hostFacts collects the kernel, CPU and the runsc, Docker, Node and msb versions. */
export function hostFacts(runsc: string, repoRoot: string): HostFacts {
  let msb = 'unknown';
  try {
    // version.txt is what `msb-runtime --version` prints: runc's three lines, then "msb: X".
    const lines = readFileSync(join(repoRoot, 'dist', 'version.txt'), 'utf8').split('\n');
    const field = (key: string): string | undefined =>
      lines
        .find((l) => l.startsWith(`${key}:`))
        ?.slice(key.length + 1)
        .trim();
    msb = `msb ${field('msb') ?? '?'} (commit ${field('commit') ?? '?'})`;
  } catch {
    // not built: reported as unknown
  }
  const head = spawnSync('git', ['-C', repoRoot, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' });
  const dirty = spawnSync('git', ['-C', repoRoot, 'status', '--porcelain'], { encoding: 'utf8' });
  const git = head.status === 0 ? `${head.stdout.trim()}${dirty.stdout?.trim() ? '-dirty' : ''}` : 'unknown';
  return {
    git,
    kernel: release(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    runsc: firstLine(runsc, ['--version']),
    docker: {
      client: firstLine('docker', ['version', '--format', '{{.Client.Version}}']),
      server: firstLine('docker', ['version', '--format', '{{.Server.Version}}']),
    },
    node: process.version,
    msb,
  };
}
