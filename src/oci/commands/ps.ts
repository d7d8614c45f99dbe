import type { RecordedContainer } from '../../isolation/backend.js';
import { backendOf } from '../../isolation/recorded-backends.js';
import { launcherOutput } from '../../isolation/launcher-output.js';
import { type GlobalOptions, runtimeContextOf } from '../global-options.js';
import { containerPaths } from '../../base/paths.js';
import { readRecord } from '../../base/record.js';

/**
 * ps lists a container's processes. Table output is the backend's own ps, run through the
 * container's launcher. `--format json` is what containerd asks for (`docker top`): a JSON array
 * of HOST pids, which Docker then looks up in the host's process table; the container's backend
 * says which (Backend.hostPidsJson).
 */
export async function ps(g: GlobalOptions, id: string, psArgs: string[], opts: { format?: string }): Promise<void> {
  const paths = containerPaths(g.root, id);
  const runtime = runtimeContextOf(g);
  if (opts.format !== 'json') {
    process.stdout.write(launcherOutput(paths.launcher, id, runtime.logArgs, 'ps', [id, ...psArgs]));
    return;
  }
  const record = readRecord(paths, id);
  const c: RecordedContainer = { id, record, paths, runtime };
  process.stdout.write(await backendOf(record).hostPidsJson(c));
}
