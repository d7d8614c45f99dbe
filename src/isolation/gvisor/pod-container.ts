import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { shQuote } from '../../base/shell-quote.js';

/** POD_START_FIFO and POD_STARTED_FIFO carry start's request to a pod container's keeper and its answer back. */
export const POD_START_FIFO = 'pod-start';
export const POD_STARTED_FIFO = 'pod-started';
export const POD_KEEPER_SCRIPT = 'pod-keeper.sh';
export const POD_KEEPER_PID = 'pod-keeper.pid';
/** POD_START_ERR holds runsc start's stderr, for start's error message. */
const POD_START_ERR = 'pod-start.err';

/** PodKeeperInputs describe how to start and wait for one container of a pod under runsc. */
export interface PodKeeperInputs {
  id: string;
  /** The container's record directory (the FIFOs live there). */
  dir: string;
  runscRoot: string;
  /** runsc and its global flags, --log flags included, quoted for sh. */
  runsc: string;
  /** The same command line run in the rmem_default workaround's mount namespace, when it applies. */
  runscQuirk?: string;
}

/**
 * podKeeperScript is the sh process that stands for a pod container (a runsc sub-container) in
 * the eyes of containerd's runc shim. runc's contract binds a container's stdio at create and
 * reports its exit through the pid in --pid-file; runsc binds a sub-container's stdio at `runsc
 * start` (the caller's own descriptors: the shim's output pipe, which it then reads until EOF and
 * never gets) and writes the sandbox's pid, which outlives the container. gVisor's own shim runs
 * `runsc start` with the container's I/O and follows it with `runsc wait`; the keeper does the
 * same from inside the runc contract: create starts it with the container's stdio and puts its
 * pid in the pid file; it waits for start's request on a FIFO, runs `runsc start` with that stdio,
 * answers, then `runsc wait`s and exits with the container's status, which the shim reaps. Its
 * argv names runsc's root and the id, so delete --force (msb_stop_backend) finds and stops it.
 */
export function podKeeperScript(i: PodKeeperInputs): string {
  const dir = shQuote(i.dir);
  const start = i.runscQuirk ?? i.runsc;
  return [
    `# msb pod keeper for container ${i.id}: started by create as sh <this file> <runsc root> <id>.`,
    `msb_id=${shQuote(i.id)}`,
    `exec 3<>${dir}/${POD_START_FIFO} 4<>${dir}/${POD_STARTED_FIFO}`,
    'while read -r msb_go <&3; do',
    `  ${start} start "$msb_id" 3<&- 4<&- 2>${dir}/${POD_START_ERR}`,
    '  msb_s=$?',
    `  printf '%s\\n' "$msb_s" >&4`,
    '  [ "$msb_s" -eq 0 ] && break',
    'done',
    // The container holds its stdio now; the keeper must not keep the shim's FIFOs open.
    'exec 0</dev/null 1>/dev/null 2>/dev/null 3<&- 4<&-',
    `msb_w=$(${i.runsc} wait "$msb_id")`,
    // runsc wait prints {"id":…,"exitStatus":N} (128+signal for a signalled process).
    'case $msb_w in',
    `  *'"exitStatus":'*) msb_c=\${msb_w##*'"exitStatus":'}; msb_c=\${msb_c%%[!0-9]*} ;;`,
    '  *) msb_c= ;;',
    'esac',
    // No status: the sandbox went away under the container (its pod ended): report SIGKILL.
    'exit "${msb_c:-137}"',
    '',
  ].join('\n');
}

/**
 * podStartLines define msb_pod_start, the launcher's `start` for a pod container: hand the
 * request to the keeper and wait for runsc start's status. msb_fail is shim/msb-runtime's.
 */
export function podStartLines(dir: string, timeoutSeconds = 120): string[] {
  const d = shQuote(dir);
  return [
    'msb_pod_start() {',
    `  msb_k=$(cat ${d}/${POD_KEEPER_PID} 2>/dev/null)`,
    `  [ -n "$msb_k" ] && kill -0 "$msb_k" 2>/dev/null || msb_fail "start: the keeper of pod container $msb_id is gone (the container was stopped or its pod ended)"`,
    `  exec 3<>${d}/${POD_START_FIFO} 4<>${d}/${POD_STARTED_FIFO}`,
    `  printf 'start\\n' >&3`,
    `  msb_s=$(timeout ${timeoutSeconds} head -n 1 <&4)`,
    '  exec 3<&- 4<&-',
    '  [ "$msb_s" = 0 ] && exit 0',
    `  msb_e=$(tail -n 1 ${d}/${POD_START_ERR} 2>/dev/null)`,
    `  msb_fail "start: runsc start of pod container $msb_id failed (exit \${msb_s:-none within ${timeoutSeconds} s}): $msb_e"`,
    '}',
  ];
}

/**
 * podCleanupLines stop a keeper whose container was never started (delete of a created
 * container): only the process whose argv is still this keeper's.
 */
export function podCleanupLines(dir: string): string {
  const d = shQuote(dir);
  return `msb_k=$(cat ${d}/${POD_KEEPER_PID} 2>/dev/null); [ -n "$msb_k" ] && grep -qzxF ${shQuote(join(dir, POD_KEEPER_SCRIPT))} /proc/"$msb_k"/cmdline 2>/dev/null && kill -KILL "$msb_k" 2>/dev/null`;
}

/**
 * startPodKeeper spawns the keeper with msb's own stdio (the container's, as the shim gave it to
 * create), detached so msb exits at once; the shim, a subreaper, adopts and reaps it. Returns its pid.
 */
export function startPodKeeper(dir: string, runscRoot: string, id: string): number {
  const child = spawn('/bin/sh', [join(dir, POD_KEEPER_SCRIPT), runscRoot, id], { stdio: ['inherit', 'inherit', 'inherit'], detached: true });
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot start the pod keeper of ${id}`);
  return child.pid;
}
