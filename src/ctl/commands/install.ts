import { applyEdit, type CtlDeps, defaultCtlDeps, type EditOptions } from '../apply-edit.js';
import { addRuntime, validateRuntimeName } from '../daemon-json.js';
import { absoluteRuntimePath, checkRuntimeExecutable } from '../runtime-path.js';

/** InstallOptions are `msbctl install`'s flags, already parsed. */
export interface InstallOptions extends EditOptions {
  name: string;
  path: string;
  runtimeArgs: string[];
  makeDefault: boolean;
}

/** install registers runtime NAME → PATH in daemon.json and reloads dockerd. */
export function install(options: InstallOptions, deps: CtlDeps = defaultCtlDeps()): void {
  const name = validateRuntimeName(options.name);
  const path = absoluteRuntimePath(options.path);
  // A dry run only shows the edit, so it may describe a runtime that is not built yet.
  if (!options.dryRun) checkRuntimeExecutable(path);
  const entry = { path, runtimeArgs: options.runtimeArgs };
  const unchanged = `runtime ${name} is already registered${options.makeDefault ? ' as the default' : ''} with path ${path}${argsNote(options.runtimeArgs)}`;
  applyEdit(options, (config) => addRuntime(config, name, entry, { makeDefault: options.makeDefault }), unchanged, deps);
}

function argsNote(args: string[]): string {
  return args.length > 0 ? ` and runtimeArgs ${JSON.stringify(args)}` : '';
}
