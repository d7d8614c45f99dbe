import { shQuote, shQuoteAll } from '../../base/shell-quote.js';
import { msbExecLines } from '../launcher-exec.js';
import { podCleanupLines, podStartLines } from './pod-container.js';
import { GVISOR_NODE_COMMANDS, GVISOR_PIDS_NODE_COMMANDS, RUNSC_COMMANDS } from './launcher-commands.js';

/** NETNS_CHECK_COMMANDS are the runsc commands that check the network namespace (gvisor #10704). */
export const NETNS_CHECK_COMMANDS: readonly string[] = ['start', 'restore'];

/** LauncherInputs describe how to run runsc for one container. */
export interface LauncherInputs {
  id: string;
  bundle: string;
  runsc: string;
  runscArgs: readonly string[];
  /** Host directories msb made for this container (control sockets); removed on delete. */
  ownedDirs?: readonly string[];
  rmemWorkaround?: { unshare: string; mount: string; reason: string };
  /** Docker sets the network up between create and start (Docker 28+): start finishes resolv.conf from Docker's file first. */
  dnsAtStart?: { dockerResolvConf: string; generatedPath: string };
  /** The container's egress rules go in at start (Docker 28+): shim/msb-runtime runs egress/at-start-main.js before runsc start. */
  egressAtStart?: boolean;
  /** msb's state root (--root), for the commands the Node half serves. */
  root: string;
  /** The container has a pids limit: exec goes through Node to carry it. */
  pidsLimit?: boolean;
  /** A container of a pod (a runsc sub-container): start goes through its keeper in this record directory (pod-container.ts). */
  podKeeperDir?: string;
}

/** rmemWorkaroundPrefix runs the command after it in a private mount namespace with an empty tmpfs over /proc/sys/net. */
export function rmemWorkaroundPrefix(w: { unshare: string; mount: string }): string {
  const inner = `${shQuote(w.mount)} -t tmpfs -o size=4k,mode=0555 msb-rmem-workaround /proc/sys/net && exec "$@"`;
  return `${shQuote(w.unshare)} --mount --propagation private -- /bin/sh -c ${shQuote(inner)} msb-rmem-workaround`;
}

/**
 * killLines define msb_kill: runsc kill, with runc's words when the container has already
 * stopped. containerd's runc shim treats a kill error that says "container not running" as
 * "already finished" (pkg/process checkKillError) and any other as a failure; runsc says "sandbox
 * is not running", which made CRI's StopPodSandbox fail once the pause container had exited.
 */
function killLines(runsc: string): string[] {
  return [
    'msb_kill() {',
    `  msb_e=$(${runsc} "$@" 2>&1) && exit 0`,
    '  msb_s=$?',
    '  case $msb_e in *"is not running"* | *"not running"*) msb_fail "kill: container not running ($msb_e)" ;; esac',
    `  printf '%s\n' "$msb_e" >&2`,
    '  exit "$msb_s"',
    '}',
  ];
}

/**
 * gvisorLauncher writes the sh fragment that shim/msb-runtime sources for this container's later
 * commands: msb_exec runs runsc with the container's flags; msb_exec_quirk does the same in a
 * private mount namespace with an empty tmpfs over /proc/sys/net (not /proc/sys/net/core: procfs
 * revalidates that dentry), which hides rmem_default from old runsc.
 */
export function gvisorLauncher(i: LauncherInputs): string {
  const runsc = shQuoteAll([i.runsc, ...i.runscArgs]);
  const lines = [
    `# msb launcher for container ${i.id}: written at create, sourced by shim/msb-runtime.`,
    'msb_backend=gvisor',
    `msb_bundle=${shQuote(i.bundle)}`,
    `msb_commands=${shQuote(` ${[...RUNSC_COMMANDS, ...GVISOR_NODE_COMMANDS].join(' ')} `)}`,
    ...msbExecLines(i.pidsLimit ? GVISOR_PIDS_NODE_COMMANDS : GVISOR_NODE_COMMANDS, i.root, runsc, [
      ['kill', 'msb_kill "$@"'],
      ...(i.podKeeperDir ? [['start', 'msb_pod_start'] as const] : []),
    ]),
    ...killLines(runsc),
    ...(i.podKeeperDir ? podStartLines(i.podKeeperDir) : []),
    // shim/msb-runtime calls msb_cleanup on delete, after the backend forgot the container.
    `msb_cleanup() { ${[
      ...(i.ownedDirs && i.ownedDirs.length > 0 ? [`rm -rf -- ${shQuoteAll(i.ownedDirs)}`] : []),
      ...(i.podKeeperDir ? [podCleanupLines(i.podKeeperDir)] : []),
      ':',
    ].join('; ')}; }`,
  ];
  if (i.egressAtStart) lines.push('msb_egress_at_start=1');
  if (i.dnsAtStart) {
    // shim/msb-runtime's msb_dns_at_start reads these before runsc start (docs/dns.md).
    lines.push(`msb_dns_docker=${shQuote(i.dnsAtStart.dockerResolvConf)}`, `msb_dns_file=${shQuote(i.dnsAtStart.generatedPath)}`);
  }
  if (i.rmemWorkaround) {
    const w = i.rmemWorkaround;
    // A pod container's keeper applies the workaround to its own runsc start.
    const quirkCommands = NETNS_CHECK_COMMANDS.filter((c) => !(i.podKeeperDir && c === 'start'));
    lines.push(
      `msb_quirk_commands=${shQuote(` ${quirkCommands.join(' ')} `)}`,
      `msb_quirk_note=${shQuote(JSON.stringify(`gvisor: running runsc in a private mount namespace with /proc/sys/net hidden: ${w.reason}`).slice(1, -1))}`,
      `msb_exec_quirk() { exec ${rmemWorkaroundPrefix(w)} ${runsc} "$@"; }`,
      // msb's Node half runs restore and checkpoint through this (src/isolation/gvisor/gvisor-checkpoint.ts);
      // checkpoint too, because runsc before 2023 implements --leave-running by restoring a new sandbox.
      'msb_exec_runsc() { msb_exec_quirk "$@"; }',
    );
  } else {
    lines.push("msb_quirk_commands=''", `msb_exec_runsc() { exec ${runsc} "$@"; }`);
  }
  return `${lines.join('\n')}\n`;
}
