import { join } from 'node:path';

/** runscRootOf is runsc's own state root, beside msb's records. */
export function runscRootOf(stateDir: string): string {
  return join(stateDir, 'runsc');
}
