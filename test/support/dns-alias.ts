import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { docker, waitUntil } from './docker.js';
import { repoRoot } from './paths.js';

function ctl(args: string[]): void {
  const r = spawnSync(join(repoRoot, 'shim/msbctl'), args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`msbctl ${args.join(' ')}: ${r.stderr}`);
}

/** installAlias registers this checkout's msb-runtime as a Docker runtime alias with a policy and waits for dockerd to load it. */
export async function installAlias(name: string, policyPath: string): Promise<void> {
  ctl(['install', '--name', name, '--path', join(repoRoot, 'shim/msb-runtime'), `--runtime-arg=--policy=${policyPath}`]);
  if (!(await waitUntil(() => docker(['info', '--format', '{{json .Runtimes}}']).stdout.includes(`"${name}"`))))
    throw new Error(`dockerd did not pick up runtime ${name}`);
}

/** uninstallAlias removes a runtime alias again. */
export function uninstallAlias(name: string): void {
  ctl(['uninstall', '--name', name]);
}
