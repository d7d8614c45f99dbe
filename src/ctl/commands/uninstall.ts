import { applyEdit, type CtlDeps, defaultCtlDeps, type EditOptions } from '../apply-edit.js';
import { removeRuntime, validateRuntimeName } from '../daemon-json.js';

/** UninstallOptions are `msbctl uninstall`'s flags, already parsed. */
export interface UninstallOptions extends EditOptions {
  name: string;
}

/** uninstall removes runtime NAME (and a "default-runtime" naming it) from daemon.json and reloads dockerd. */
export function uninstall(options: UninstallOptions, deps: CtlDeps = defaultCtlDeps()): void {
  const name = validateRuntimeName(options.name);
  applyEdit(options, (config) => removeRuntime(config, name), `runtime ${name} is not registered`, deps);
}
