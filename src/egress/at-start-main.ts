#!/usr/bin/env node
// `node dist/egress/at-start-main.js RECORD_DIR`: installs a gVisor container's egress rules at
// start, where Docker set its network up between create and start (Docker 28+). shim/msb-runtime
// runs it before runsc start and fails start when it fails: the workload never runs unfiltered.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EGRESS_AT_START_FILE, enforceEgress } from './host-enforcement.js';
import type { EgressProfile } from './profiles.js';

const dir = process.argv[2];
const debug = process.argv.includes('--debug') ? (m: string): void => void process.stderr.write(`msb: ${m}\n`) : (): void => undefined;
if (!dir?.startsWith('/')) {
  process.stderr.write('usage: at-start-main.js RECORD_DIR [--debug]\n');
  process.exit(2);
}
try {
  const file = join(dir, EGRESS_AT_START_FILE);
  const { profile, pid } = JSON.parse(readFileSync(file, 'utf8')) as { profile: EgressProfile; pid: number };
  enforceEgress(dir, profile, pid, debug);
  rmSync(file);
} catch (err) {
  process.stderr.write(`msb: egress at start: ${(err as Error).message}\n`);
  process.exit(1);
}
