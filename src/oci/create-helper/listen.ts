import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';

function listening(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * listenOnce binds the helper's socket in a root-only directory. A socket file nobody listens on
 * (a helper killed with SIGKILL) is replaced; if another helper already answers there, it
 * returns undefined and this one is not needed.
 */
export async function listenOnce(dir: string, socket: string): Promise<Server | undefined> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const server = createServer({ allowHalfOpen: false });
  try {
    await listening(server, socket);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (await answers(socket)) return undefined;
    unlinkSync(socket);
    await listening(server, socket);
  }
  chmodSync(socket, 0o600);
  return server;
}
