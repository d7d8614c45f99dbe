// Docker's own config.json for `docker run -d local/busybox sleep 100` on the default bridge, for
// tests that check what msb does with the real thing. Taken, in order:
//   1. live from the Docker engine this machine talks to: a throw-away runc container, whose
//      bundle's config.json is read through its containerd shim's working directory (the shim runs
//      in the bundle), then removed. Cached per engine and containerd version, so a test run pays
//      for one container (~1 s) the first time only;
//   2. the copy in the shared folder beside the checkout (../shared/oci-runtime-spec/examples);
//   3. neither: the reason, for the test to print as SKIP.
// runc, never msb: the capture must not depend on (or disturb) which checkout is registered as msb.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, specExample } from './paths.js';

/** DockerConfig is Docker's config.json text and where it came from (for the test's log). */
export type DockerConfig = { text: string; source: string } | { skip: string };

/** DOCKER_CONFIG_COMMAND is the container the fixture describes (its image, command and network). */
const DOCKER_CONFIG_COMMAND = ['--network', 'bridge', 'local/busybox', 'sleep', '100'] as const;

const CACHE_DIR = join(repoRoot, 'node_modules/.cache/msb-test');

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? ` ${r.error.message}` : '') };
}

/** engineKey names the engine and containerd versions, or says why the engine cannot be used. */
function engineKey(): { key: string } | { why: string } {
  if (process.getuid?.() !== 0) return { why: "not root (the bundle is read through /proc of containerd's shim)" };
  const v = run(['version', '--format', '{{.Server.Version}} {{range .Server.Components}}{{if eq .Name "containerd"}}{{.Version}}{{end}}{{end}}']);
  if (v.status !== 0) return { why: `no Docker engine answers (${v.stderr.trim().split('\n')[0] ?? ''})` };
  if (run(['image', 'inspect', 'local/busybox']).status !== 0) return { why: 'image local/busybox is missing (scripts/build-images.sh)' };
  return { key: v.stdout.trim().replace(/[^A-Za-z0-9.+~-]+/g, '_') };
}

/** captureDockerConfig runs the throw-away container and returns its bundle's config.json. */
function captureDockerConfig(): { text: string } | { why: string } {
  const name = `msb-test-config-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const started = run(['run', '-d', '--runtime', 'runc', '--name', name, ...DOCKER_CONFIG_COMMAND]);
    if (started.status !== 0) return { why: `docker run failed: ${started.stderr.trim()}` };
    const pid = run(['inspect', '--format', '{{.State.Pid}}', name]).stdout.trim();
    const shim = /^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (!shim) return { why: `no parent process for the container's pid ${pid}` };
    return { text: readFileSync(`/proc/${shim}/cwd/config.json`, 'utf8') };
  } catch (err) {
    return { why: `reading the bundle failed: ${(err as Error).message}` };
  } finally {
    run(['rm', '-f', name]);
  }
}

let memo: DockerConfig | undefined;

/** dockerConfig returns Docker's config.json (live, else the shared copy), or why there is none. */
export function dockerConfig(): DockerConfig {
  memo ??= findDockerConfig();
  return memo;
}

function findDockerConfig(): DockerConfig {
  const engine = engineKey();
  let why: string;
  if ('key' in engine) {
    const cached = join(CACHE_DIR, `docker-config-${engine.key}.json`);
    if (existsSync(cached)) return { text: readFileSync(cached, 'utf8'), source: `Docker ${engine.key} (captured earlier: ${cached})` };
    const live = captureDockerConfig();
    if ('text' in live) {
      mkdirSync(CACHE_DIR, { recursive: true });
      // Test files run in parallel workers: write aside and rename, so a reader never sees half a file.
      const temp = `${cached}.${process.pid}`;
      writeFileSync(temp, live.text);
      renameSync(temp, cached);
      return { text: live.text, source: `Docker ${engine.key} (captured now)` };
    }
    why = live.why;
  } else {
    why = engine.why;
  }
  const shared = specExample('docker-20.10-config.json');
  if (existsSync(shared)) return { text: readFileSync(shared, 'utf8'), source: shared };
  return { skip: `no Docker config.json: cannot capture one (${why}) and ${shared} is not there (the shared folder beside the checkout)` };
}
