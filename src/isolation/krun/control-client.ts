import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import { MSB_HOME_DIR } from './krun-process.js';

/**
 * findControlSocket finds msb's control.sock (beside agent.sock in MSB_HOME/run/sandboxes/<id>/)
 * through the VMM's root as the host sees it, /proc/<pid>/root: MSB_HOME is a tmpfs private to
 * the VMM's container.
 */
export function findControlSocket(pid: number, list: (dir: string) => string[] = (d) => readdirSync(d)): string {
  const base = join(`/proc/${pid}/root`, MSB_HOME_DIR, 'run', 'sandboxes');
  let dirs: string[] = [];
  try {
    dirs = list(base);
  } catch {
    // reported below
  }
  for (const d of dirs) {
    const files = (() => {
      try {
        return list(join(base, d));
      } catch {
        return [];
      }
    })();
    if (files.includes('control.sock')) return join(base, d, 'control.sock');
  }
  throw new MsbError('backend', `krun: msb's control socket was not found under ${base} (the microVM is not running)`);
}

/** controlRequest sends one JSON line to msb's control socket and resolves with its one-line JSON reply. */
export function controlRequest(path: string, request: Record<string, unknown>, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const c = connect(path);
    let reply = '';
    const timer = setTimeout(() => c.destroy(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    c.on('connect', () => c.write(`${JSON.stringify(request)}\n`));
    c.on('data', (d: Buffer) => {
      reply += d.toString();
      const nl = reply.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        c.end();
        try {
          resolve(JSON.parse(reply.slice(0, nl)) as Record<string, unknown>);
        } catch (err) {
          reject(new MsbError('backend', `krun: msb's control socket answered ${JSON.stringify(reply.slice(0, 200))}`, { cause: err }));
        }
      }
    });
    c.on('error', (err) => {
      clearTimeout(timer);
      reject(new MsbError('backend', `krun: msb's control socket ${path}: ${err.message}`, { cause: err }));
    });
  });
}
