// The create helper (docs/create-helper.md): started in the background by the first create that
// found none, it answers dist/msb-create-client until it has been idle for --idle-seconds.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { DEFAULT_CREATE_HELPER_IDLE_SECONDS } from '../../isolation/policy.js';
import { distDir, helperDir, helperFiles, readHelperId } from './helper-paths.js';
import { listenOnce } from './listen.js';
import { serveCreateHelper } from './serve.js';

async function run(argv: string[]): Promise<void> {
  let idleSeconds = DEFAULT_CREATE_HELPER_IDLE_SECONDS;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--idle-seconds') idleSeconds = Number(argv[++i]);
    else throw new Error(`usage: msb-create-helper.cjs [--idle-seconds N], got ${argv[i]}`);
  }
  if (!Number.isFinite(idleSeconds) || idleSeconds <= 0) throw new Error('--idle-seconds must be a positive number');
  const id = readHelperId(distDir());
  if (!id) throw new Error(`this build has no create helper id (${distDir()}/create-helper.id): was the client built?`);
  const dir = helperDir();
  const files = helperFiles(dir, id);
  process.title = `msb-create-helper ${id}`;
  process.chdir('/');
  const server = await listenOnce(dir, files.socket);
  if (!server) return;
  writeFileSync(files.pid, `${process.pid}\n`, { mode: 0o600 });
  serveCreateHelper({
    server,
    log: files.log,
    idleMs: idleSeconds * 1000,
    onStop: () => {
      // Closing the server removed the socket (libuv unlinks the path it bound); the pid file
      // goes if it is still ours.
      try {
        if (readFileSync(files.pid, 'utf8').trim() === String(process.pid)) unlinkSync(files.pid);
      } catch {
        // Already removed.
      }
    },
  });
}

run(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`msb-create-helper: ${err.message}\n`);
  process.exit(1);
});
