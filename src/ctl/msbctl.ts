// msbctl: the operator CLI (shim/msbctl runs this file). Everything else lives in ./program.ts.
import { runMsbctl } from './program.js';

process.exitCode = await runMsbctl(process.argv.slice(2));
