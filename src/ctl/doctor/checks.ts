import type { DoctorCheck } from './check.js';
import { cgroupCheck } from './checks/cgroup.js';
import { createHelperCheck } from './checks/create-helper.js';
import { checkpointCheck } from './checks/checkpoint.js';
import { defaultRuntimeCheck } from './checks/default-runtime.js';
import { dnsRelayCheck } from './checks/dns-relay.js';
import { dockerEngineCheck } from './checks/docker-engine.js';
import { egressNftCheck } from './checks/egress-nft.js';
import { gvisorPlatformCheck } from './checks/gvisor-platform.js';
import { gvisorRootfsCheck } from './checks/gvisor-rootfs.js';
import { runcCheck, tiniCheck } from './checks/host-tool.js';
import { krunProviderCheck } from './checks/krun-provider.js';
import { kvmCheck } from './checks/kvm.js';
import { msbRuntimeCheck } from './checks/msb-runtime.js';
import { policyCheck } from './checks/policy.js';
import { rmemQuirkCheck } from './checks/rmem-quirk.js';
import { runscCheck } from './checks/runsc.js';
import { serviceDiscoveryCheck } from './checks/service-discovery.js';
import type { DoctorContext } from './context.js';

/**
 * DOCTOR_CHECKS is every check, in the order doctor runs and prints them: the engine and the
 * registration first, then gVisor, then microVMs, then the host and DNS, and last the end-to-end lookup
 * (it runs containers, so it goes after everything that explains why it might fail). Each id has a section in
 * docs/troubleshooting.md (a unit test keeps them in step).
 */
export const DOCTOR_CHECKS: readonly DoctorCheck<DoctorContext>[] = [
  dockerEngineCheck,
  msbRuntimeCheck,
  defaultRuntimeCheck,
  policyCheck,
  createHelperCheck,
  runscCheck,
  rmemQuirkCheck,
  gvisorPlatformCheck,
  gvisorRootfsCheck,
  kvmCheck,
  krunProviderCheck,
  tiniCheck,
  runcCheck,
  cgroupCheck,
  checkpointCheck,
  dnsRelayCheck,
  egressNftCheck,
  serviceDiscoveryCheck,
];
