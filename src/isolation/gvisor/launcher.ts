import { shQuote, shQuoteAll } from '../../oci/shell-quote.js';
import { msbExecLines } from '../launcher-exec.js';
import { podCleanupLines, podStartLines } from './pod-container.js';

/** RUNSC_COMMANDS are the runc commands runsc implements with runc's meaning. */
export const RUNSC_COMMANDS: readonly string[] = ['start', 'state', 'kill', 'delete', 'exec', 'ps', 'pause', 'resume', 'events', 'checkpoint', 'restore'];

/**
 * GVISOR_NODE_COMMANDS go to msb's Node half: runsc has no update (2022 and 2024), so msb applies
 * it to the sandbox's host cgroup (src/isolation/gvisor/gvisor-update.ts).
 */
export const GVISOR_NODE_COMMANDS: readonly string[] = ['update'];

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
  /** msb's state root (--root), for the commands the Node half serves. */
  root: string;
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
export function killLines(runsc: string): string[] {
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
    ...msbExecLines(GVISOR_NODE_COMMANDS, i.root, runsc, [['kill', 'msb_kill "$@"'], ...(i.podKeeperDir ? [['start', 'msb_pod_start'] as const] : [])]),
    ...killLines(runsc),
    ...(i.podKeeperDir ? podStartLines(i.podKeeperDir) : []),
    // shim/msb-runtime calls msb_cleanup on delete, after the backend forgot the container.
    `msb_cleanup() { ${[
      ...(i.ownedDirs && i.ownedDirs.length > 0 ? [`rm -rf -- ${shQuoteAll(i.ownedDirs)}`] : []),
      ...(i.podKeeperDir ? [podCleanupLines(i.podKeeperDir)] : []),
      ':',
    ].join('; ')}; }`,
  ];
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
    );
  } else {
    lines.push("msb_quirk_commands=''");
  }
  return `${lines.join('\n')}\n`;
}
