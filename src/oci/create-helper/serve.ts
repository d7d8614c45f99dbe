import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { constants } from 'node:os';
import { startedDuring } from '../../dns/pending-work.js';
import { beginCreateCall, type CallEnd, type CallStep } from './create-call.js';
import { type CreateCall, decodeCall, encodeFrame, type Frame, FrameReader } from './frames.js';

/** HelperOptions say where a helper listens and logs, and when it leaves. */
export interface HelperOptions {
  /** The listening socket (already bound by the caller: listenOnce). */
  server: Server;
  log: string;
  /** Exit after this long without a connection. */
  idleMs: number;
  /** Called once when the helper stops (idle, or turned off by policy). */
  onStop: () => void;
}

/** LOG_LIMIT bounds the helper's log: past it the log starts again. */
const LOG_LIMIT = 1 << 20;

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** spawnErrorOf is the Error the client's errno stands for (runcCreateStatus describes it). */
function spawnErrorOf(errno: number): Error | undefined {
  if (errno === 0) return undefined;
  const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  return Object.assign(new Error(`spawn: ${code}`), { code, errno: -errno, syscall: 'spawn' });
}

/**
 * inCallContext runs fn with the caller's environment and working directory, as the Node path
 * would have them; the helper's own are back afterwards. The helper runs one such step at a
 * time (its event loop), so steps never see each other's.
 */
function inCallContext<T>(call: CreateCall, fn: () => T, needCwd = true): T {
  const env = process.env;
  process.env = call.env;
  try {
    try {
      process.chdir(call.cwd);
    } catch (err) {
      // Planning resolves the bundle against it; finishing uses absolute paths only.
      if (needCwd) throw new Error(`cannot enter the caller's working directory ${call.cwd}: ${(err as Error).message}`);
    }
    return fn();
  } finally {
    process.env = env;
    process.chdir('/');
  }
}

/**
 * serveCreateHelper answers create calls on an already listening socket (docs/create-helper.md)
 * until it has been idle for idleMs. Each connection is one create: Q → A → G → (F | E | R → S → E).
 */
export function serveCreateHelper(o: HelperOptions): void {
  let open = 0;
  let idle: NodeJS.Timeout | undefined;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (idle) clearTimeout(idle);
    o.server.close();
    o.onStop();
  };
  const armIdle = (): void => {
    if (stopped) return;
    if (idle) clearTimeout(idle);
    idle = open === 0 ? setTimeout(stop, o.idleMs) : undefined;
  };
  const log = (line: string): void => {
    try {
      if ((statSync(o.log, { throwIfNoEntry: false })?.size ?? 0) > LOG_LIMIT) writeFileSync(o.log, '', { mode: 0o600 });
      appendFileSync(o.log, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
    } catch {
      // The log is for humans; a create never fails for it.
    }
  };

  o.server.on('connection', (sock: Socket) => {
    open++;
    armIdle();
    const started = process.hrtime.bigint();
    const ms = (): string => (Number(process.hrtime.bigint() - started) / 1e6).toFixed(1);
    const reader = new FrameReader();
    let call: CreateCall | undefined;
    let step: CallStep | undefined;
    let done = false;
    const finish = (end: CallEnd, what: string): void => {
      done = true;
      // Logged first: once the client has the answer, the create is over for whoever reads the log.
      log(`${what} status ${end.status} ${ms()} ms${end.stderr ? `: ${end.stderr.trim()}` : ''}`);
      sock.end(encodeFrame('E', [String(end.status), end.stderr]));
    };
    const onFrame = (f: Frame): void => {
      if (!call) {
        if (f.kind !== 'Q') throw new Error(`expected Q, got ${f.kind}`);
        call = decodeCall(f.fields);
        sock.write(encodeFrame('A'));
        return;
      }
      if (!step) {
        if (f.kind !== 'G') throw new Error(`expected G, got ${f.kind}`);
        const c = call;
        try {
          step = inCallContext(c, () => beginCreateCall(c.argv));
        } catch (err) {
          step = { kind: 'end', end: { status: 1, stderr: `msb: create helper: ${(err as Error).message}\n` } };
        }
        if (step.kind === 'decline') {
          done = true;
          log(`declined: ${step.reason}`);
          sock.end(encodeFrame('F', [step.reason]));
          if (step.stopHelper) setImmediate(stop);
        } else if (step.kind === 'end') {
          finish(step.end, 'create');
        } else {
          const { create, args } = step.command;
          sock.write(encodeFrame('R', [String(create.timeoutMs ?? 0), create.binary, ...args]));
        }
        return;
      }
      if (step?.kind === 'run' && !done) {
        if (f.kind !== 'S') throw new Error(`expected S, got ${f.kind}`);
        const [status, timedOut, errno] = f.fields.map(Number);
        const run = step;
        const spawnError = spawnErrorOf(errno ?? 0);
        const c = call;
        const { value: end, work } = startedDuring(() =>
          inCallContext(c, () => run.resume({ status: status ?? 1, timedOut: timedOut === 1, ...(spawnError ? { spawnError } : {}) }), false),
        );
        // What the create started and did not wait for (its relay notification) ends before the
        // answer, as the Node path's process ends only after it: the container starts after.
        done = true;
        void Promise.all(work).then(() => finish(end, `create ${run.id}`));
        return;
      }
      throw new Error(`unexpected ${f.kind}`);
    };
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const f of reader.push(chunk)) onFrame(f);
      } catch (err) {
        log(`protocol error: ${(err as Error).message}`);
        sock.destroy();
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      open--;
      armIdle();
      // The client went away before it was done: after Q only, nothing was done; after R, its
      // record stays as "being created" for Docker's delete --force, as a killed Node path leaves it.
      if (!done) log(step?.kind === 'run' ? `client left during create ${step.id}; the record stays for delete --force` : 'client left before go');
    });
  });
  armIdle();
}
