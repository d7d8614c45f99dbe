import { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';
import type { RunscVersion } from './runsc-version.js';

/**
 * GVISOR_EQUIVALENT_SYSCTLS are sysctls whose value is already gVisor's fixed behaviour, so the
 * container gets what it asked for although runsc writes nothing: Docker sets both on every
 * container with its own network namespace. gVisor's netstack lets any user bind ports below
 * 1024 and open ICMP echo (ping) datagram sockets (runsc 20221219: no CAP_NET_BIND_SERVICE or
 * ping_group_range check in pkg/sentry).
 */
const GVISOR_EQUIVALENT_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_unprivileged_port_start': '0',
  'net.ipv4.ping_group_range': '0 2147483647',
};

/**
 * RUNSC_APPLIED_SYSCTLS are the linux.sysctl keys runsc itself applies, with the first runsc
 * release that does (google/gvisor: runsc/boot/loader.go "Implement the fs.nr_open sysctl",
 * 2023-11-08; runsc/sandbox/sandbox.go disable_ipv6, 2025-03-17). runsc 20221219 applies none.
 */
const RUNSC_APPLIED_SYSCTLS: Readonly<Record<string, number>> = {
  'fs.nr_open': 20231108,
  'net.ipv6.conf.all.disable_ipv6': 20250317,
};

const normalise = (v: string): string => v.trim().split(/\s+/).join(' ');

/**
 * checkSysctls refuses a spec whose linux.sysctl the sandbox would not honour: runsc ignores
 * what it does not apply (gVisor's /proc/sys is its own, and mostly read-only), so Docker's
 * `--sysctl net.core.somaxconn=1024` would be accepted and silently have no effect. Accepted:
 * values gVisor already behaves as, and keys this runsc applies. Throws one line naming them.
 */
export function checkSysctls(spec: Spec, version: RunscVersion): void {
  const sysctl = (spec.linux?.sysctl ?? {}) as Record<string, string>;
  const refused: string[] = [];
  for (const [key, value] of Object.entries(sysctl)) {
    const same = GVISOR_EQUIVALENT_SYSCTLS[key];
    if (same !== undefined && normalise(same) === normalise(String(value))) continue;
    const since = RUNSC_APPLIED_SYSCTLS[key];
    if (since !== undefined && version.date !== undefined && version.date >= since) continue;
    refused.push(`${key}=${String(value)}`);
  }
  if (refused.length === 0) return;
  throw new MsbError(
    'unsupported',
    `gvisor: --sysctl ${refused.join(', ')} cannot be applied in the sandbox: runsc ${version.raw} does not set ${refused.length === 1 ? 'it' : 'them'} and gVisor's /proc/sys is its own (docs/compatibility.md); remove the sysctl or run the container with --runtime=runc`,
  );
}
