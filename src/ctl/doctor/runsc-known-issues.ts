import type { RunscVersion } from '../../isolation/gvisor/runsc-version.js';
import { goMinor } from './go-build-info.js';

/** RunscIssue is one known gVisor defect of a runsc build: warn (it hits containers) or note (it may). */
export interface RunscIssue {
  id: 'go-1.26-task-goroutine' | 'tcgets2';
  severity: 'warn' | 'note';
  text: string;
  fix: string;
}

/** TCGETS2_FIXED_AFTER: gVisor PR #12589 (devpts TCGETS2/TCSETS2) was still under review on this day. */
const TCGETS2_FIXED_AFTER = 20260225;

/** GO_126_BAD_UP_TO is the newest gVisor release seen to panic when built with Go 1.26 (Debian sid's). */
const GO_126_BAD_UP_TO = 20240729;

/**
 * knownRunscIssues lists what is known to go wrong with this runsc build, from its release date and
 * the Go toolchain it was built with (undefined when that cannot be read). Both rules are what was
 * measured (issue 10), not a theory: other releases or toolchains are not judged.
 */
export function knownRunscIssues(version: RunscVersion, go: string | undefined): RunscIssue[] {
  const issues: RunscIssue[] = [];
  const date = version.date;
  const minor = go === undefined ? undefined : goMinor(go);
  if (date !== undefined && date <= GO_126_BAD_UP_TO && minor !== undefined && minor >= 26) {
    issues.push({
      id: 'go-1.26-task-goroutine',
      severity: 'warn',
      text:
        `runsc ${version.raw} was built with ${go}: this gVisor built with Go 1.26 panics in kernel.(*Task).assertTaskGoroutine ` +
        "(Debian sid's 0.0~20240729.0-7+b1: 6 of 20 sandboxes died after docker exec of a pipeline; the same release built with Go 1.24, Debian 13's, 0 of 20)",
      fix: "install a runsc built with an older Go (Debian 13's runsc package) or a newer gVisor release from gvisor.dev",
    });
  }
  if (date !== undefined && date <= TCGETS2_FIXED_AFTER) {
    issues.push({
      id: 'tcgets2',
      severity: 'note',
      text:
        `runsc ${version.raw} predates gVisor PR #12589: it answers TCGETS2 with ENOTTY, so programs in images built on glibc ≥ 2.43 ` +
        'see isatty() false on a terminal (docker run -t, docker exec -t); images on older glibc or musl are not affected',
      fix: 'for such images, a gVisor release from March 2026 or later (gvisor.dev)',
    });
  }
  return issues;
}
