import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relayPaths, RELAY_STATE_DIR } from './paths.js';

/** ControlReply is the relay's answer to one control request. */
export type ControlReply = { ok: true; [key: string]: unknown } | { ok: false; error: string };

/** controlRequest sends one JSON request to the relay's control socket and returns its reply. */
export function controlRequest(request: object, stateDir = RELAY_STATE_DIR, timeoutMs = 2000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const c = connect(relayPaths(stateDir).control);
    let text = '';
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`the DNS relay did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    c.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    c.on('connect', () => c.end(`${JSON.stringify(request)}\n`));
    c.on('data', (d: Buffer) => void (text += d.toString()));
    c.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text) as ControlReply);
      } catch {
        reject(new Error(`the DNS relay sent a malformed reply: ${text.slice(0, 200)}`));
      }
    });
  });
}

/** RelayStatus says whether the host's DNS relay runs and, if it does, what it serves. */
export type RelayStatus = { running: true; status: Record<string, unknown> } | { running: false; reason: string };

/** relayStatus asks the relay for its state (for msbctl dns status and doctor). */
export async function relayStatus(stateDir = RELAY_STATE_DIR): Promise<RelayStatus> {
  try {
    const reply = await controlRequest({ op: 'status' }, stateDir);
    if (!reply.ok) return { running: false, reason: reply.error };
    return { running: true, status: reply };
  } catch (err) {
    return { running: false, reason: `no DNS relay answers on ${relayPaths(stateDir).control}: ${(err as Error).message}` };
  }
}

/** relayEntry finds dist/dns/relay-main.js from this module (dist/dns) or from the bundle (dist/). */
export function relayEntry(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (const c of [join(here, 'relay-main.js'), join(here, 'dns', 'relay-main.js')]) if (existsSync(c)) return c;
  throw new Error(`relay-main.js not found beside ${here} (run npm run build)`);
}

/**
 * installIdentity names the version of a relay entry file on disk (inode, size, mtime), or
 * undefined when it is gone: a relay compares it with what it started from to tell that its
 * install was rebuilt, moved or removed under it.
 */
export function installIdentity(entry: string): string | undefined {
  try {
    const st = statSync(entry);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * rememberRoot adds a runtime root's containers directory to the list the relay rescans, so a
 * relay that (re)starts finds every registered container, whichever --root Docker passed.
 */
export function rememberRoot(containersDir: string, stateDir = RELAY_STATE_DIR): void {
  const { roots } = relayPaths(stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  let known: string[] = [];
  try {
    known = readFileSync(roots, 'utf8').split('\n');
  } catch {
    // first container
  }
  if (!known.includes(containersDir)) appendFileSync(roots, `${containersDir}\n`, { mode: 0o600 });
}

/**
 * RELAY_NODE_FLAGS keep the relay's young generation small: its garbage is short-lived
 * datagrams, and V8's default semi-space (16 MB) let RSS grow past 90 MB under sustained load.
 */
export const RELAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/**
 * startRelaySupervisor starts the relay detached from the caller (its own session, stdio on
 * /dev/null: Docker reads create's output until EOF) under a tiny sh loop that restarts it
 * within 0.2 s when it dies. flock makes concurrent creates start only one loop.
 */
export function startRelaySupervisor(stateDir = RELAY_STATE_DIR, node = process.execPath): void {
  const { supervisorLock } = relayPaths(stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // The loop ends when its entry file is gone (a deleted checkout): the lock is then free, and the
  // next create starts a supervisor from the install it runs from.
  const loop = `while [ -r "$2" ]; do "$1" ${RELAY_NODE_FLAGS.join(' ')} "$2" serve --supervised --state-dir "$3"; sleep 0.2; done`;
  const args = ['sh', '-c', loop, 'msb-dns-supervisor', node, relayEntry(), stateDir];
  const flock = ['/usr/bin/flock', '/bin/flock'].find((p) => existsSync(p));
  // -o: the loop and the relay must not inherit the lock, or a relay outliving its loop blocks the next one.
  const [cmd, ...rest] = flock ? [flock, '-n', '-o', supervisorLock, ...args] : args;
  // cwd /: create runs in the container's bundle, which Docker removes long before the relay exits.
  const child = spawn(cmd as string, rest, { detached: true, stdio: 'ignore', cwd: '/', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
  child.on('error', () => undefined);
  child.unref();
}

/**
 * notifyRelay tells the relay about a container's registration file. When no relay answers it
 * starts one and waits (once, up to 3 s) until it answers, so the container's first query finds it.
 */
export async function notifyRelay(dir: string, stateDir = RELAY_STATE_DIR): Promise<void> {
  try {
    await controlRequest({ op: 'register', dir }, stateDir, 1000);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ECONNREFUSED') return; // a relay runs but is busy: its rescan finds dns.json
    startRelaySupervisor(stateDir);
  }
  const end = Date.now() + 3000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      // Never past the 3 s create waits for a new relay (docs/dns.md).
      await controlRequest({ op: 'register', dir }, stateDir, Math.max(50, Math.min(1000, end - Date.now())));
      return;
    } catch {
      // not up yet
    }
  }
}
