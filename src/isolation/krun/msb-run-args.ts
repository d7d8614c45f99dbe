import type { VmConfig } from './vm-config.js';
import { PEERS_PLACEHOLDER } from './vmm-entry.js';

/** DEFAULT_TMPFS_MIB sizes a tmpfs that has options but no size when the guest's RAM is msb's default. */
const DEFAULT_TMPFS_MIB = 256;

function mountArg(m: VmConfig['mounts'][number], guestMiB: number | undefined): string[] {
  if (m.kind === 'tmpfs') {
    // msb takes PATH, PATH:SIZE or PATH:SIZE:OPTIONS, never an empty size; Docker adds
    // noexec,nosuid,nodev to every --tmpfs, so a sizeless one gets the kernel's own default,
    // half the (guest) RAM.
    const sizeMiB = m.sizeMiB ?? (m.options.length > 0 ? (guestMiB !== undefined ? Math.max(1, Math.floor(guestMiB / 2)) : DEFAULT_TMPFS_MIB) : undefined);
    const size = sizeMiB !== undefined ? `:${sizeMiB}M` : '';
    const opts = m.options.length > 0 ? `:${m.options.join(',')}` : '';
    return ['--tmpfs', `${m.destination}${size}${opts}`];
  }
  const opts = [...(m.readonly ? ['ro'] : []), ...(m.flags ?? [])];
  return [m.kind === 'dir' ? '--mount-dir' : '--mount-file', `${m.source}:${m.destination}${opts.length > 0 ? `:${opts.join(',')}` : ''}`];
}

/**
 * msbRunArgs is the `msb run` command line for a VmConfig (flags from `msb run --help`, msb
 * 0.6.18). The network flags come from the egress profile (src/egress/krun-net-args.ts);
 * ports bind 0.0.0.0 because msb binds loopback by default and Docker DNATs to the container's
 * address; -q keeps msb's progress output out of the container's logs.
 */
export function msbRunArgs(vm: VmConfig): string[] {
  const a = ['run', '--name', vm.name, '-q', '--pull', 'never', '--log-level', 'info'];
  const r = vm.resources;
  if (r.cpus !== undefined) a.push('--cpus', String(r.cpus));
  if (r.memoryMiB !== undefined) a.push('--memory', `${r.memoryMiB}M`);
  if (r.maxMemoryMiB !== undefined) a.push('--max-memory', `${r.maxMemoryMiB}M`);
  if (vm.hostname) a.push('--hostname', vm.hostname);
  a.push('--user', vm.user, '--workdir', vm.cwd, vm.terminal ? '--tty' : '--no-tty');
  for (const e of vm.env) a.push('--env', e);
  for (const l of vm.rlimits) a.push('--rlimit', l);
  for (const m of vm.mounts) a.push(...mountArg(m, r.memoryMiB));
  if (vm.dockerVolume) a.push('--mount-disk', `${vm.dockerVolume.image}:${vm.dockerVolume.destination}:fstype=ext4`);
  a.push(...vm.network.args);
  // After the profile's rules: msb takes the first rule that matches, so a profile that allows the host keeps it.
  if (vm.network.peersAtStart) a.push(PEERS_PLACEHOLDER);
  a.push('--net-ipv4-pool', vm.network.ipv4Pool);
  for (const ns of vm.network.nameservers) a.push('--dns-nameserver', ns);
  for (const p of vm.ports) a.push('--port', p);
  a.push(vm.rootfs, '--', ...vm.args);
  return a;
}
