// The fuzzer's world: a temporary bundle and Docker-like container directory made from the
// committed fixture, a few operator policies, a stand-in runsc that answers like runsc and records
// any other call, and one case runner that drives create's planning (planCreate: every check and
// rewrite, no writes, no backend run) the way shim/msb-runtime's Node half would.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRuntimeArgv } from '../../src/oci/argv.js';
import { type CreatePlan, planCreate } from '../../src/oci/commands/create.js';
import { defaultGlobalOptions, type GlobalOptions } from '../../src/oci/global-options.js';
import { containerPaths } from '../../src/base/paths.js';

/** FIXTURE is a synthetic config.json shaped like Docker 20.10's (`@DIR@` stands for the fuzz directory). */
const FIXTURE = fileURLToPath(new URL('../fixtures/docker-like-config.json', import.meta.url));

/** TRUSTED is the annotation the socket policy's rules select on. */
export const TRUSTED = 'io.example.trusted=yes';

/** POLICY_NAMES are the operator policies every case runs under (one per case). */
export const POLICY_NAMES = ['strict', 'sockets', 'krun', 'locked'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** FuzzHost is the temporary world the cases run in. */
export interface FuzzHost {
  dir: string;
  bundle: string;
  root: string;
  log: string;
  socket: string;
  listenDir: string;
  controlDir: string;
  standIn: string;
  policies: Record<PolicyName, string>;
  base: string;
  close(): Promise<void>;
}

/** makeFuzzHost builds the world once per test file. */
export async function makeFuzzHost(): Promise<FuzzHost> {
  // tmpfs when there is one: rewriting config.json 10,000 times costs ~3 ms each on this overlayfs.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'msb-fuzz-'));
  const bundle = join(dir, 'bundle');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  mkdirSync(join(dir, 'volumes', 'data'), { recursive: true });
  const cdir = join(dir, 'containers', '5d0c1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5');
  mkdirSync(cdir, { recursive: true });
  writeFileSync(join(cdir, 'resolv.conf'), 'nameserver 127.0.0.11\noptions ndots:0\n');
  writeFileSync(join(cdir, 'hostname'), '5d0c1e2f3a4b\n');
  writeFileSync(join(cdir, 'hosts'), '127.0.0.1 localhost\n');
  const listenDir = join(dir, 'listen');
  mkdirSync(listenDir);
  const socket = join(dir, 'agent.sock');
  const server: Server = createServer();
  await new Promise<void>((ok) => server.listen(socket, ok));
  const calls = join(dir, 'calls');
  mkdirSync(calls);
  const standIn = join(dir, 'runsc');
  writeFileSync(
    standIn,
    `#!/bin/sh
case $1 in
  --version) printf 'runsc version release-20240807.0\\nspec: 1.1.0\\n'; exit 0 ;;
  flags) printf '  -host-uds value\\n    \\tValues: none|open|create|all\\n' >&2; exit 0 ;;
esac
printf '%s\\0' "$@" >'${calls}'/"$$"
exit 0
`,
  );
  chmodSync(standIn, 0o755);
  const controlDir = join(dir, 'control');
  const common = {
    gvisor: { runsc: standIn, rmemWorkaround: 'never' },
    dns: { relay: false, upstreams: ['192.0.2.53'] },
    krun: { runc: standIn, tini: '/bin/true', hostCheck: 'warn' },
  };
  const policyFiles: Record<PolicyName, unknown> = {
    strict: { ...common, isolation: { allowed: ['gvisor'] } },
    sockets: {
      ...common,
      sockets: {
        connect: [{ path: socket, annotation: TRUSTED }],
        listen: [{ directory: listenDir, annotation: TRUSTED }],
        control: [{ annotation: TRUSTED }],
        controlDirectory: controlDir,
      },
    },
    krun: { ...common, isolation: { default: 'krun', allowed: ['krun', 'gvisor'] } },
    locked: { ...common, isolation: { allowed: ['gvisor'], allowAnnotation: false, allowRuntimeArgs: false } },
  };
  const policies = {} as Record<PolicyName, string>;
  for (const name of POLICY_NAMES) {
    policies[name] = join(dir, `policy-${name}.json`);
    writeFileSync(policies[name], JSON.stringify(policyFiles[name]));
  }
  const base = readFileSync(FIXTURE, 'utf8').replaceAll('@DIR@', dir);
  return {
    dir,
    bundle,
    root: join(dir, 'root'),
    log: join(dir, 'log.json'),
    socket,
    listenDir,
    controlDir,
    standIn,
    policies,
    base,
    close: async () => {
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** FuzzCase is one input: the bytes of config.json, Docker's create argv (mutated) and the policy. */
export interface FuzzCase {
  config: Buffer;
  argv: string[];
  policy: PolicyName;
}

/** Outcome is how msb ended a case. */
export type Outcome =
  | { kind: 'argv-refused'; error: unknown }
  | { kind: 'refused'; error: unknown }
  | { kind: 'planned'; plan: CreatePlan; global: GlobalOptions };

/**
 * runCase parses the argument list as shim/msb-runtime's Node half does; when it is a create,
 * it plans the create with the parsed --isolation, --systemd-cgroup and container id, but with
 * the fuzz world's root, log, policy and bundle (a mutated --log must not write anywhere).
 */
export function runCase(host: FuzzHost, c: FuzzCase): Outcome {
  let global: GlobalOptions;
  let id: string;
  try {
    const parsed = parseRuntimeArgv(c.argv);
    global = parsed.global;
    id = parsed.command === 'create' ? (parsed.operands[0] ?? '') : 'fuzz';
    containerPaths(host.root, id); // the id rule
  } catch (error) {
    return { kind: 'argv-refused', error };
  }
  writeFileSync(join(host.bundle, 'config.json'), c.config);
  const g: GlobalOptions = {
    ...defaultGlobalOptions(),
    root: host.root,
    log: host.log,
    logFormat: 'json',
    policy: host.policies[c.policy],
    systemdCgroup: global.systemdCgroup,
    ...(global.isolation !== undefined ? { isolation: global.isolation } : {}),
  };
  try {
    return { kind: 'planned', plan: planCreate(g, id, { bundle: host.bundle }, {}), global: g };
  } catch (error) {
    return { kind: 'refused', error };
  }
}

/** leftovers lists what a case left behind: planning must write no record and run no runsc but --version and flags. */
export function leftovers(host: FuzzHost): string[] {
  const found: string[] = [];
  if (existsSync(join(host.root, 'msb', 'containers'))) found.push(`${host.root}/msb/containers exists`);
  if (existsSync(host.controlDir)) found.push(`${host.controlDir} exists`);
  const calls = readdirSync(join(host.dir, 'calls'));
  if (calls.length > 0) found.push(`runsc was called: ${calls.map((f) => readFileSync(join(host.dir, 'calls', f), 'utf8').replaceAll('\0', ' ')).join('; ')}`);
  return found;
}
