import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type DaemonConfig, type DaemonJsonEdit, formatDaemonJson, parseDaemonJson } from './daemon-json.js';
import { backupDaemonJsonFile, type DaemonJsonFile, readDaemonJsonFile, writeDaemonJsonFile } from './daemon-json-file.js';
import { reloadDockerd, type ReloadOutcome } from './dockerd.js';
import { withFileLock } from './file-lock.js';

/** EditOptions are the flags install and uninstall share. */
export interface EditOptions {
  config: string;
  dryRun: boolean;
  reload: boolean;
}

/** CtlDeps is the system boundary of the msbctl commands; tests replace the dockerd signal and stdout. */
export interface CtlDeps {
  out: (line: string) => void;
  reload: () => ReloadOutcome;
}

/** defaultCtlDeps prints to stdout and signals the real dockerd. */
export function defaultCtlDeps(): CtlDeps {
  return { out: (line) => process.stdout.write(`${line}\n`), reload: () => reloadDockerd() };
}

/**
 * applyEdit is the write path install and uninstall share: read daemon.json, let edit change it,
 * then (unless nothing changed or --dry-run) back it up, replace it atomically and reload dockerd.
 * unchanged is printed when edit reports no change.
 */
export function applyEdit(options: EditOptions, edit: (config: DaemonConfig) => DaemonJsonEdit, unchanged: string, deps: CtlDeps): void {
  const configPath = resolve(options.config);
  const preview = edit(currentConfig(readDaemonJsonFile(configPath)));
  if (preview.changes.length === 0) {
    deps.out(`${unchanged}: ${configPath} left as it was, dockerd not signalled`);
    return;
  }
  if (options.dryRun) {
    deps.out(`dry run: ${configPath} would change:`);
    for (const change of preview.changes) deps.out(`  ${change}`);
    deps.out(`resulting ${configPath}:`);
    deps.out(formatDaemonJson(preview.config).trimEnd());
    deps.out('nothing written, no backup made, dockerd not signalled');
    return;
  }
  // The lock lives beside daemon.json, so its directory must exist before the first install.
  mkdirSync(dirname(configPath), { recursive: true, mode: 0o755 });
  const written = withFileLock(configPath, () => {
    // Read again under the lock: another msbctl may have changed the file since the preview.
    const file = readDaemonJsonFile(configPath);
    const result = edit(currentConfig(file));
    if (result.changes.length === 0) return undefined;
    const backup = backupDaemonJsonFile(file);
    writeDaemonJsonFile(file, formatDaemonJson(result.config));
    return { file, changes: result.changes, backup };
  });
  if (written === undefined) {
    deps.out(`${unchanged}: ${configPath} left as it was, dockerd not signalled`);
    return;
  }
  deps.out(written.backup ? `backed up ${written.file.path} to ${written.backup}` : `created ${written.file.path}`);
  for (const change of written.changes) deps.out(change);
  if (!options.reload) {
    deps.out('dockerd not signalled (--no-reload): the change takes effect at its next reload (SIGHUP) or start');
    return;
  }
  const outcome = deps.reload();
  if (outcome.pids.length === 0) {
    deps.out('dockerd is not running: the change takes effect when it starts');
  } else {
    deps.out(
      `sent SIGHUP to dockerd (pid ${outcome.pids.join(', ')}, found via ${outcome.via}): it reloads daemon.json in the background; check with \`docker info\``,
    );
  }
}

function currentConfig(file: DaemonJsonFile): DaemonConfig {
  return file.text === undefined ? {} : parseDaemonJson(file.text, file.path);
}
