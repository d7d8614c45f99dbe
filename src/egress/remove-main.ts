#!/usr/bin/env node
// `node dist/egress/remove-main.js RECORD_DIR`: removes a container's egress rules; shim/msb-runtime
// runs it at delete (also delete --force of a create killed midway) when the record has egress.json.
import { removeEgress } from './host-enforcement.js';

const dir = process.argv[2];
if (!dir?.startsWith('/')) {
  process.stderr.write('usage: remove-main.js RECORD_DIR\n');
  process.exit(2);
}
try {
  const failed = removeEgress(dir);
  if (failed) {
    process.stderr.write(`msb: egress: cannot remove the nftables rules of ${dir}: ${failed}\n`);
    process.exit(1);
  }
} catch (err) {
  process.stderr.write(`msb: egress: ${(err as Error).message}\n`);
  process.exit(1);
}
