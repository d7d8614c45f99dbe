import { MsbError } from '../base/errors.js';

/** ISOLATION_ANNOTATION selects a container's backend, within what policy allows. */
export const ISOLATION_ANNOTATION = 'io.msb.isolation';

/** EGRESS_ANNOTATION picks the container's egress profile, within what policy allows for its runtime (docs/egress.md). */
export const EGRESS_ANNOTATION = 'io.msb.egress';

/** CONTROL_SOCKET_ANNOTATION declares sockets the container creates for the host (comma-separated paths). */
export const CONTROL_SOCKET_ANNOTATION = 'io.msb.control-socket';

/** HOST_UDS_ANNOTATION is runsc's own per-container --host-uds override, honoured only within policy. */
export const HOST_UDS_ANNOTATION = 'dev.gvisor.flag.host-uds';

/** ROOTFS_WRITES_ANNOTATION picks where a gVisor container's rootfs writes go, if policy gvisor.allowRootfsWritesAnnotation allows. */
export const ROOTFS_WRITES_ANNOTATION = 'io.msb.gvisor.rootfs-writes';

/** KRUN_MEMORY_ANNOTATION overrides the microVM's guest RAM in MiB (within the container's memory limit). */
export const KRUN_MEMORY_ANNOTATION = 'io.msb.krun.memory';

/** KRUN_CPUS_ANNOTATION overrides the microVM's vCPU count. */
export const KRUN_CPUS_ANNOTATION = 'io.msb.krun.cpus';

/** KRUN_DOCKER_VOLUME_ANNOTATION sizes a disk-backed /var/lib/docker in MiB for docker-in-VM (0 = none). */
export const KRUN_DOCKER_VOLUME_ANNOTATION = 'io.msb.krun.docker-volume';

interface AnnotationRule {
  describe: string;
  valid: RegExp;
  expected: string;
}

/** KNOWN_ANNOTATIONS is the allow-list of per-container knobs, each with its value check. */
export const KNOWN_ANNOTATIONS: Readonly<Record<string, AnnotationRule>> = {
  [ISOLATION_ANNOTATION]: {
    describe: 'the sandbox this container runs in',
    valid: /^[a-z][a-z0-9-]{0,31}$/,
    expected: 'a backend name such as "gvisor"',
  },
  [EGRESS_ANNOTATION]: {
    describe: "the container's egress profile (policy egress.profiles), within what policy allows for its runtime",
    valid: /^[a-z][a-z0-9-]{0,31}$/,
    expected: 'a profile name such as "public-only"',
  },
  [CONTROL_SOCKET_ANNOTATION]: {
    describe: 'sockets the container creates for the host to connect to (policy sockets.control)',
    valid: /^(\/[A-Za-z0-9._@+-]+)+(,(\/[A-Za-z0-9._@+-]+)+)*$/,
    expected: 'absolute socket paths separated by commas, such as "/run/agent/ctl.sock"',
  },
  [ROOTFS_WRITES_ANNOTATION]: {
    describe:
      "where a gVisor container's root filesystem writes go: Docker's container layer, or runsc's in-sandbox overlay (policy gvisor.allowRootfsWritesAnnotation)",
    valid: /^(docker|sandbox)$/,
    expected: 'docker or sandbox',
  },
  [KRUN_MEMORY_ANNOTATION]: {
    describe: "the microVM's guest RAM in MiB (krun), within the container's memory limit minus the VMM headroom",
    valid: /^[1-9][0-9]{0,6}$/,
    expected: 'a whole number of MiB such as "1024"',
  },
  [KRUN_CPUS_ANNOTATION]: {
    describe: "the microVM's vCPU count (krun)",
    valid: /^([1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])$/,
    expected: 'a whole number of vCPUs from 1 to 255',
  },
  [KRUN_DOCKER_VOLUME_ANNOTATION]: {
    describe: 'a disk-backed /var/lib/docker of this many MiB inside the microVM (krun), 0 for none',
    valid: /^(0|[1-9][0-9]{0,7})$/,
    expected: 'a whole number of MiB such as "8192", or "0"',
  },
};

/**
 * HONOURED_GVISOR_FLAGS are the dev.gvisor.flag.* annotations msb translates into runsc flags
 * itself, within policy; runsc would ignore them (it needs --allow-flag-override).
 */
export const HONOURED_GVISOR_FLAGS: Readonly<Record<string, AnnotationRule>> = {
  [HOST_UDS_ANNOTATION]: {
    describe: "runsc's --host-uds for this container, within policy sockets.*",
    valid: /^(none|open|create|all)$/,
    expected: 'one of none, open, create, all',
  },
};

function checkValue(key: string, value: string, rule: AnnotationRule): void {
  if (!rule.valid.test(value)) {
    throw new MsbError('invalid-argument', `annotation ${key}=${JSON.stringify(value)} is invalid: expected ${rule.expected}`);
  }
}

/**
 * checkAnnotations refuses io.msb.* keys msb does not know, values that do not parse, and
 * dev.gvisor.flag.* keys other than the ones msb honours itself: runsc flags are set from policy,
 * and an annotation that runsc would silently ignore (it needs --allow-flag-override) must not
 * look as if it took effect.
 */
export function checkAnnotations(annotations: Readonly<Record<string, string>> | undefined): void {
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (key.startsWith('dev.gvisor.flag.')) {
      const honoured = HONOURED_GVISOR_FLAGS[key];
      if (!honoured)
        throw new MsbError(
          'forbidden',
          `annotation ${key} is not allowed: msb sets runsc flags from its policy (only ${Object.keys(HONOURED_GVISOR_FLAGS).join(', ')} is honoured, within policy)`,
        );
      checkValue(key, value, honoured);
      continue;
    }
    if (!key.startsWith('io.msb.')) continue;
    const known = KNOWN_ANNOTATIONS[key];
    if (!known) {
      throw new MsbError('invalid-argument', `unknown annotation ${key} (known: ${Object.keys(KNOWN_ANNOTATIONS).join(', ')})`);
    }
    checkValue(key, value, known);
  }
}
