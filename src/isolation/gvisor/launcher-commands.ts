// The gVisor launcher's routing (launcher.ts), apart from its generator so that the Node half's
// later commands (gvisor-commands.ts) read it without loading the generator's modules.

/**
 * RUNSC_COMMANDS are the runc commands the launcher passes to runsc unchanged. (runsc has
 * checkpoint and restore too, but their runc flags are mapped first: GVISOR_NODE_COMMANDS.)
 */
export const RUNSC_COMMANDS: readonly string[] = ['start', 'state', 'kill', 'delete', 'exec', 'ps', 'pause', 'resume', 'events'];

/**
 * GVISOR_NODE_COMMANDS go to msb's Node half: runsc has no update (2022 and 2024), so msb applies
 * it to the sandbox's host cgroup (src/isolation/gvisor/gvisor-update.ts); checkpoint's runc
 * flags are mapped onto runsc's there (src/isolation/checkpoint-flags.ts), and Node runs runsc
 * through this launcher's msb_exec_runsc. (restore never reaches a launcher: it creates the
 * container, so shim/msb-runtime sends it to Node like create.)
 */
export const GVISOR_NODE_COMMANDS: readonly string[] = ['update', 'checkpoint'];

/**
 * GVISOR_PIDS_NODE_COMMANDS go to Node as well when the container has a pids limit: runsc exec
 * cannot give the process RLIMIT_NPROC, so msb wraps it (exec-pids-limit.ts).
 */
export const GVISOR_PIDS_NODE_COMMANDS: readonly string[] = [...GVISOR_NODE_COMMANDS, 'exec'];
