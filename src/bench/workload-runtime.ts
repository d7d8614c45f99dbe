import { chmodSync, existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_RUNTIME_ROOT } from './msb-flags.js';
import { RAW_ROOT_SUBDIR } from './raw-runsc.js';
import type { Cleanup } from './cleanup.js';
import type { MsbRunscFlags } from './msb-flags.js';
import { rawWrapperScript } from './raw-runsc.js';
import { installRuntime, uninstallRuntime } from './runtime-registration.js';

/** RUNSC_DEFAULT_RUNTIME_NAME is the Docker runtime part 5 registers runsc under. */
const RUNSC_DEFAULT_RUNTIME_NAME = 'msb-bench-runsc';

/**
 * registerRunscDefault registers runsc as a Docker runtime with its own defaults: none of msb's
 * flags (platform, file access, overlay, GSO are runsc's choice for its release), only the
 * rmem_default workaround when msb applies it (without it, start fails on such hosts; see
 * raw-runsc.ts). Part 5 compares msb against this, so a flag msb changes shows in the figures.
 */
export function registerRunscDefault(
  cleanup: Cleanup,
  msbctl: string,
  work: string,
  flags: MsbRunscFlags,
  progress: (m: string) => void,
): { name: string; describe: string; unregister: () => void } {
  const path = join(work, 'runsc-default');
  writeFileSync(path, rawWrapperScript({ ...flags, runscFlags: [] }), { mode: 0o755 });
  chmodSync(path, 0o755);
  progress(`registering ${RUNSC_DEFAULT_RUNTIME_NAME} → ${path} (runsc with its own defaults)`);
  installRuntime(msbctl, RUNSC_DEFAULT_RUNTIME_NAME, path);
  const drop = cleanup.push(`${msbctl} uninstall --name ${RUNSC_DEFAULT_RUNTIME_NAME}`, () => uninstallRuntime(msbctl, RUNSC_DEFAULT_RUNTIME_NAME));
  return {
    name: RUNSC_DEFAULT_RUNTIME_NAME,
    describe: `${flags.runsc} (its defaults${flags.rmemWorkaround.apply ? '; rmem_default workaround at start' : ''})`,
    unregister: () => {
      uninstallRuntime(msbctl, RUNSC_DEFAULT_RUNTIME_NAME);
      drop();
      // runsc's state directory under Docker's root, once its containers are gone.
      const state = join(DOCKER_RUNTIME_ROOT, RAW_ROOT_SUBDIR);
      if (existsSync(state) && readdirSync(state).length === 0) rmdirSync(state);
    },
  };
}

/** MSB_SANDBOX_RUNTIME_NAME is the Docker runtime part 5 registers msb with the in-sandbox overlay under. */
const MSB_SANDBOX_RUNTIME_NAME = 'msb-bench-sandbox-overlay';

/**
 * registerMsbSandboxOverlay registers this checkout's msb as a second Docker runtime whose policy
 * is the one msb reads (`$MSB_POLICY`, else /etc/msb/policy.json, else the defaults) with
 * gvisor.rootfsWrites "sandbox": runsc keeps root filesystem writes in its own overlay, as its
 * default does. The file workload runs under it too, so what msb's default (Docker's view of the
 * writes, --overlay2=none) costs is measured apart from msb itself.
 */
export function registerMsbSandboxOverlay(
  cleanup: Cleanup,
  msbctl: string,
  work: string,
  shim: string,
  progress: (m: string) => void,
): { name: string; unregister: () => void } {
  const source = process.env.MSB_POLICY || '/etc/msb/policy.json';
  const base = existsSync(source) ? (JSON.parse(readFileSync(source, 'utf8')) as { gvisor?: Record<string, unknown> }) : {};
  const policy = join(work, 'sandbox-overlay-policy.json');
  writeFileSync(policy, `${JSON.stringify({ ...base, gvisor: { ...base.gvisor, rootfsWrites: 'sandbox' } }, null, 2)}\n`);
  progress(`registering ${MSB_SANDBOX_RUNTIME_NAME} → ${shim} --policy=${policy} (gvisor.rootfsWrites "sandbox")`);
  installRuntime(msbctl, MSB_SANDBOX_RUNTIME_NAME, shim, [`--policy=${policy}`]);
  const drop = cleanup.push(`${msbctl} uninstall --name ${MSB_SANDBOX_RUNTIME_NAME}`, () => uninstallRuntime(msbctl, MSB_SANDBOX_RUNTIME_NAME));
  return {
    name: MSB_SANDBOX_RUNTIME_NAME,
    unregister: () => {
      uninstallRuntime(msbctl, MSB_SANDBOX_RUNTIME_NAME);
      drop();
    },
  };
}
