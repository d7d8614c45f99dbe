import { chmodSync, existsSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_RUNTIME_ROOT } from './msb-flags.js';
import { RAW_ROOT_SUBDIR } from './raw-runsc.js';
import type { Cleanup } from './cleanup.js';
import type { MsbRunscFlags } from './msb-flags.js';
import { rawWrapperScript } from './raw-runsc.js';
import { installRuntime, uninstallRuntime } from './runtime-registration.js';

/** RUNSC_DEFAULT_RUNTIME_NAME is the Docker runtime part 5 registers runsc under. */
export const RUNSC_DEFAULT_RUNTIME_NAME = 'msb-bench-runsc';

/**
 * registerRunscDefault registers runsc as a Docker runtime with its own defaults: none of msb's
 * flags (platform, file access, overlay, GSO are runsc's choice for its release), only the
 * rmem_default workaround when msb applies it (without it, start fails on such hosts; see
 * raw-runsc.ts). Part 5 compares msb against this, so a flag msb changes shows in the figures.
 */
export function registerRunscDefault(cleanup: Cleanup, msbctl: string, work: string, flags: MsbRunscFlags, progress: (m: string) => void): { name: string; describe: string; unregister: () => void } {
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
