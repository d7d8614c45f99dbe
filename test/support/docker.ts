import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** DockerResult is one docker CLI call's outcome. */
export interface DockerResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** docker runs the docker CLI as a user would. */
export function docker(args: string[], opts: { input?: string; timeout?: number } = {}): DockerResult {
  const r = spawnSync('docker', args, { input: opts.input ?? '', encoding: 'utf8', timeout: opts.timeout ?? 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * dockerAsync runs the docker CLI without blocking the event loop, for tests whose own process
 * must keep serving (a host socket server the container talks to) while docker runs.
 */
export function dockerAsync(args: string[], opts: { timeout?: number } = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeout ?? 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** dockerOk runs docker and fails the test with docker's stderr if it did not succeed. */
export function dockerOk(args: string[], opts: { input?: string; timeout?: number } = {}): string {
  const r = docker(args, opts);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * freshNetwork creates a network a suite owns, first removing what an interrupted earlier run left
 * under the same name: the containers still attached to it, then the network itself.
 */
export function freshNetwork(name: string, createArgs: string[] = []): void {
  const attached = docker(['network', 'inspect', name, '--format', '{{range $id, $c := .Containers}}{{$id}} {{end}}']);
  if (attached.status === 0) {
    for (const id of attached.stdout.trim().split(/\s+/).filter(Boolean)) docker(['rm', '-f', id]);
    docker(['network', 'rm', name]);
  }
  dockerOk(['network', 'create', ...createArgs, name]);
}

/** DOCKER_MSB_ROOT is where Docker (via containerd's runc shim) tells msb to keep state. */
export const DOCKER_MSB_ROOT = '/var/run/docker/runtime-runc/moby';

/**
 * dockerSkipReason says why the Docker suites cannot run here, or undefined when they can: the
 * engine must answer, msb must be registered, and local/busybox must exist (.ci/run does all
 * three).
 */
export function dockerSkipReason(runtime = 'msb'): string | undefined {
  const info = docker(['info', '--format', '{{json .Runtimes}}']);
  if (info.status !== 0) return `no Docker engine answers (${info.stderr.trim().split('\n')[0] ?? ''})`;
  if (!info.stdout.includes(`"${runtime}"`)) return `runtime ${runtime} is not registered with Docker (run shim/msbctl install)`;
  if (docker(['image', 'inspect', 'local/busybox']).status !== 0) return 'image local/busybox is missing (run scripts/build-images.sh)';
  return undefined;
}

/** msbLeftovers lists what msb, runsc or the host still hold for a container id. */
export function msbLeftovers(id: string): string[] {
  const found: string[] = [];
  const msb = join(DOCKER_MSB_ROOT, 'msb');
  if (existsSync(join(msb, 'containers', id))) found.push(`msb record ${join(msb, 'containers', id)}`);
  try {
    for (const f of readdirSync(join(msb, 'runsc'))) if (f.includes(id)) found.push(`runsc state ${f}`);
  } catch {
    // no runsc root yet
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(id) && !cmdline.includes('containerd-shim')) found.push(`process ${pid}: ${cmdline.slice(0, 160)}`);
    } catch {
      // exited meanwhile
    }
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(id)) found.push(`mount ${line}`);
  return found;
}

/** waitUntil polls a condition (the engine acts asynchronously); it is not a timing assertion. */
export async function waitUntil(check: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}
