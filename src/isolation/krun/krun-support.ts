/** KrunHandling says what the krun backend does with an OCI field or Docker option. */
export type KrunHandling = 'mapped' | 'approximated' | 'refused';

/** KrunFieldSupport is one row of the krun translation table (docs/krun.md, features). */
export interface KrunFieldSupport {
  field: string;
  handling: KrunHandling;
  how: string;
}

/**
 * KRUN_SUPPORT is the one list of what the krun backend does with each OCI field: features
 * reports it and docs/krun.md shows it (a test keeps the doc in step). Each row names the code
 * that implements it.
 */
export const KRUN_SUPPORT: readonly KrunFieldSupport[] = [
  { field: 'root.path', handling: 'mapped', how: "bound non-recursively at /msb/guest in the VMM's container; msb boots it as the guest root over virtio-fs" },
  { field: 'process.args', handling: 'mapped', how: 'the guest command: `msb run … /msb/guest -- ARGS` (vm-config.ts)' },
  { field: 'process.env', handling: 'mapped', how: '`--env` each; the VMM process gets only PATH, MSB_HOME, HOME, TMPDIR' },
  { field: 'process.cwd', handling: 'mapped', how: '`--workdir`' },
  { field: 'process.user', handling: 'mapped', how: '`--user uid:gid` (the VMM runs as root for /dev/kvm)' },
  { field: 'process.terminal', handling: 'mapped', how: '`--tty` / `--no-tty`; runc gives the VMM the console' },
  { field: 'process.rlimits', handling: 'mapped', how: '`--rlimit name=soft:hard` in the guest only (on the VMM they would cap the whole microVM)' },
  { field: 'hostname', handling: 'mapped', how: "`--hostname`, and the VMM's UTS namespace" },
  { field: 'mounts (bind directory)', handling: 'mapped', how: 'bound at /msb/mounts/N in the VMM, `--mount-dir /msb/mounts/N:DEST[:ro]` (vm-mounts.ts)' },
  { field: 'mounts (bind file)', handling: 'mapped', how: "`--mount-file`; Docker's /etc/hosts and /etc/hostname too" },
  {
    field: 'mounts (tmpfs)',
    handling: 'mapped',
    how: "a guest `--tmpfs DEST[:SIZE][:ro,noexec,nosuid,nodev]`; with options but no size, half the guest RAM (the kernel's tmpfs default; msb refuses an empty size)",
  },
  { field: 'mounts (ro, nosuid, nodev, noexec options)', handling: 'mapped', how: 'kept in the VMM and passed to msb (`:ro,nosuid,…`)' },
  { field: 'mounts (proc, sysfs, cgroup, devpts, mqueue, /dev/*)', handling: 'mapped', how: 'kept for the VMM only: the guest kernel mounts its own' },
  {
    field: 'mounts (/etc/resolv.conf)',
    handling: 'mapped',
    how: 'kept for the VMM: msb forwards guest DNS to its nameservers (`--dns-nameserver`), so 127.0.0.11 works',
  },
  { field: 'linux.resources.memory.limit', handling: 'mapped', how: 'guest RAM = limit − krun.vmmHeadroomMiB (vm-resources.ts); the cgroup keeps the limit' },
  { field: 'linux.resources.memory.reservation', handling: 'mapped', how: 'boot size `--memory`, with the limit as `--max-memory` for `docker update`' },
  { field: 'linux.resources.cpu.quota / period', handling: 'mapped', how: '`--cpus ceil(quota/period)`' },
  { field: 'linux.resources.cpu.cpus', handling: 'mapped', how: "`--cpus` = the cpuset's size when there is no quota" },
  {
    field: 'published and exposed ports',
    handling: 'mapped',
    how: "`--port 0.0.0.0:P:P[/udp]` from Docker's hostconfig.json/config.v2.json (docker-ports.ts)",
  },
  {
    field: 'linux.namespaces (network)',
    handling: 'mapped',
    how: "msb's user-mode network runs inside it: `--net all --net-ipv4-pool krun.ipv4Pool`, rebind protection per krun.dnsRebindProtection",
  },
  { field: 'hooks', handling: 'mapped', how: 'kept: runc runs them on the host (libnetwork-setkey)' },
  {
    field: 'annotations io.msb.krun.memory, io.msb.krun.cpus, io.msb.krun.docker-volume',
    handling: 'mapped',
    how: 'per-container guest RAM, vCPUs and /var/lib/docker disk size (annotations.ts)',
  },
  { field: 'linux.cgroupsPath, linux.resources', handling: 'mapped', how: "kept: runc puts the VMM (and so the guest's RAM) in the container's cgroup" },
  { field: 'process.user.additionalGids', handling: 'approximated', how: 'dropped: msb takes uid:gid only' },
  {
    field: 'process.capabilities, noNewPrivileges, apparmorProfile, selinuxLabel, oomScoreAdj',
    handling: 'approximated',
    how: 'apply to the VMM (msb); in the guest the workload has its own kernel and is confined by the VM',
  },
  { field: 'linux.seccomp', handling: 'approximated', how: "filters the VMM's syscalls (Docker's default profile lets msb run), not the guest's" },
  { field: 'linux.sysctl', handling: 'approximated', how: "set in the VMM's namespaces (net.* in the container's netns), not in the guest kernel" },
  { field: 'linux.maskedPaths, linux.readonlyPaths', handling: 'approximated', how: "apply to the VMM's /proc; the guest's /proc is its own kernel's" },
  { field: 'linux.namespaces (ipc, pid, uts, mount, cgroup, user)', handling: 'approximated', how: "the VMM's; the guest has its own kernel" },
  { field: 'linux.resources.pids', handling: 'approximated', how: "counts the VMM's threads, not guest processes" },
  { field: 'mount propagation options', handling: 'approximated', how: 'not carried into the guest (noted)' },
  { field: 'tmpfs options other than size, ro, noexec, nosuid, nodev', handling: 'approximated', how: 'dropped' },
  { field: 'resolv.conf search and options', handling: 'approximated', how: "the guest resolves through msb's gateway DNS" },
  { field: 'process.consoleSize, domainname', handling: 'approximated', how: 'not passed to the guest' },
  {
    field: 'every other field (linux.personality, linux.intelRdt, linux.mountLabel, process.scheduler, process.ioPriority, time namespace …)',
    handling: 'approximated',
    how: "kept for runc: applies to the VMM's process, not inside the guest",
  },
  { field: 'host network namespace (--network host)', handling: 'refused', how: "msb's network and published ports would be the host's" },
  { field: 'linux.devices (--device), --privileged', handling: 'refused', how: 'no host device reaches the guest' },
  { field: 'root.readonly (--read-only)', handling: 'refused', how: 'msb boots the root read-write over virtio-fs' },
  {
    field: 'Unix socket mounts, socket directories, io.msb.control-socket, dev.gvisor.flag.host-uds',
    handling: 'refused',
    how: "virtio-fs carries no sockets; msb's --vsock gives no socket at a path (control-sockets.md)",
  },
  { field: 'mounts at /proc or /sys, other filesystem types', handling: 'refused', how: 'the guest has its own kernel filesystems' },
  { field: 'create --preserve-fds', handling: 'refused', how: 'descriptors cannot be passed into a microVM' },
  { field: 'rlimits msb does not know', handling: 'refused', how: 'named in the error' },
  { field: 'memory limit below krun.vmmHeadroomMiB + 64 MiB', handling: 'refused', how: 'the guest would have no room' },
];

/** krunFields lists the fields with one handling, for features. */
export function krunFields(handling: KrunHandling): string[] {
  return KRUN_SUPPORT.filter((f) => f.handling === handling).map((f) => f.field);
}
