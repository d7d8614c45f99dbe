#!/usr/bin/env node
// The DNS relay's own entry (started detached by create, see relay-client.ts): `serve
// [--supervised] [--state-dir DIR]`. `msbctl dns serve` runs the same serveRelay in msbctl.
import { serveRelay } from './relay-service.js';

const args = process.argv.slice(2);
if (args[0] !== 'serve') {
  process.stderr.write('usage: relay-main.js serve [--supervised] [--state-dir DIR]\n');
  process.exit(2);
}
const dirAt = args.indexOf('--state-dir');
serveRelay({ supervised: args.includes('--supervised'), stateDir: dirAt > 0 ? args[dirAt + 1] : undefined }).then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`msb-dns: ${err.message}\n`);
    process.exit(1);
  },
);
