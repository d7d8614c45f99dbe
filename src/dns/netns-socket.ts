import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket as UdpSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import type { Socket as TcpSocket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** NetnsSocketOptions say how to reach into a network namespace. */
export interface NetnsSocketOptions {
  nsenter: string;
  node?: string;
  childScript?: string;
  /** The child's source text, run with `node -e`: no file is read when the socket is opened. */
  childSource?: string;
  timeoutMs?: number;
}

/**
 * netnsChildSource reads the child's text once, for a long-lived relay: with it (and
 * selfExecutable for node) opening a netns socket needs no file of the install the relay was
 * started from, which a `git pull && npm run build` or a deleted checkout may change or remove.
 */
export function netnsChildSource(script: string = netnsChildScript()): string {
  return readFileSync(script, 'utf8');
}

/**
 * selfExecutable is this process's own node binary as /proc/<pid>/exe: the kernel keeps that
 * inode reachable even when the file was replaced or removed, so a child nsenter starts runs
 * the very node the relay runs.
 */
export function selfExecutable(pid: number = process.pid): string {
  return `/proc/${pid}/exe`;
}

/** netnsChildScript finds netns-socket-child.js beside this module (dist/dns) or in a bundle's dist/dns. */
function netnsChildScript(here: string = moduleDir()): string {
  for (const candidate of [join(here, 'netns-socket-child.js'), join(here, 'dns', 'netns-socket-child.js')]) if (existsSync(candidate)) return candidate;
  throw new Error(`netns-socket-child.js not found beside ${here} (run npm run build)`);
}

function moduleDir(): string {
  // In the CommonJS bundle import.meta.url is empty; __dirname is dist/.
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

function receive<T>(mode: 'udp' | 'tcp', netns: string, o: NetnsSocketOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const program = o.childSource !== undefined ? ['--input-type=module', '-e', o.childSource] : [o.childScript ?? netnsChildScript()];
    const child: ChildProcess = spawn(o.nsenter, [`--net=${netns}`, o.node ?? process.execPath, ...program, mode], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // The relay's own working directory is often a bundle Docker has since removed, and
      // `node -e` with ES modules needs a working directory that exists (process.cwd()).
      cwd: '/',
    });
    let stderr = '';
    let settled = false;
    const done = (err: Error | undefined, handle?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve(handle as T);
    };
    const timer = setTimeout(() => done(new Error(`no ${mode} socket from ${netns} within ${o.timeoutMs ?? 5000} ms`)), o.timeoutMs ?? 5000);
    child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', (err) => done(err));
    child.on('message', (msg: { ok?: boolean; error?: string }, handle: unknown) => {
      if (msg?.ok && handle) done(undefined, handle as T);
      else done(new Error(`${mode} socket in ${netns}: ${msg?.error ?? 'no handle'}`));
    });
    child.on('exit', (code) => done(new Error(`nsenter --net=${netns} exited ${code ?? 'by signal'}: ${stderr.trim().split('\n').pop() ?? ''}`)));
  });
}

/** openNetnsUdpSocket returns a UDP socket that lives in the network namespace `netns`. */
export function openNetnsUdpSocket(netns: string, o: NetnsSocketOptions): Promise<UdpSocket> {
  return receive<UdpSocket>('udp', netns, o);
}

/** connectNetnsTcp returns a TCP connection to 127.0.0.11:53 made inside the network namespace `netns`. */
export function connectNetnsTcp(netns: string, o: NetnsSocketOptions): Promise<TcpSocket> {
  return receive<TcpSocket>('tcp', netns, o);
}
