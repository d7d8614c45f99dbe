import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statfsSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { which } from '../../base/which.js';
import { type KrunProvider, findKrunProvider } from '../../isolation/krun/provider.js';
import { type KvmHostFs, realKvmHostFs } from '../../isolation/kvm-host.js';
import { defaultRuntimePath } from '../runtime-path.js';
import { type RelayStatus, relayStatus } from '../../dns/relay-client.js';
import { type DockerProbe, dockerodeProbe } from './docker-probe.js';

/** DockerFacts is what the engine says about itself (the fields of /version and /info doctor reads). */
export interface DockerFacts {
  address: string;
  serverVersion: string;
  apiVersion: string;
  /** containerdVersion is the containerd the engine reports in /version's Components ('' if none). */
  containerdVersion: string;
  runtimes: Record<string, { path?: string; runtimeArgs?: string[] }>;
  defaultRuntime: string;
  cgroupVersion: string;
  cgroupDriver: string;
  /** experimental is the daemon's "experimental" setting (/version's Experimental), which docker checkpoint needs. */
  experimental?: boolean;
}

/** RunResult is one command's outcome; error is set when it could not be started or timed out. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

/** DoctorHost is the whole system boundary of `msbctl doctor`; unit tests pass a fake one. */
export interface DoctorHost {
  /** docker asks the engine for /version and /info; it rejects when the engine does not answer. */
  docker: () => Promise<DockerFacts>;
  readFile: (path: string) => string;
  /** readBytes reads a whole file as bytes (a binary's build info). */
  readBytes: (path: string) => Buffer;
  /** dockerProbe makes and removes throw-away containers and networks on the engine (docker-probe.ts). */
  dockerProbe: () => DockerProbe;
  exists: (path: string) => boolean;
  /** realpath resolves symlinks; undefined when path does not exist. */
  realpath: (path: string) => string | undefined;
  isExecutable: (path: string) => boolean;
  which: (command: string) => string | undefined;
  run: (command: string, args: readonly string[], timeoutMs?: number) => RunResult;
  isRoot: boolean;
  kernelRelease: string;
  kvmFs: KvmHostFs;
  findKrunProvider: () => KrunProvider;
  /** statfsType is the filesystem magic number of path (statfs f_type), undefined if it cannot be read. */
  statfsType: (path: string) => number | undefined;
  makeTempDir: () => string;
  /** now is the clock in milliseconds since the epoch. */
  now: () => number;
  /** randomToken names one doctor run's throw-away containers and network (hex). */
  randomToken: () => string;
  removeDir: (path: string) => void;
  /** checkout is the directory of the msb checkout this msbctl runs from. */
  checkout: string;
  daemonJsonPath: string;
  /** relayStatus asks the host's DNS relay what it serves (src/dns/relay-client.ts). */
  relayStatus: () => Promise<RelayStatus>;
}

const DOCKER_TIMEOUT_MS = 5_000;

/** DEFAULT_DOCKER_SOCKET is where dockerd listens unless DOCKER_HOST says otherwise. */
const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** dockerClient is the engine dockerode finds ($DOCKER_HOST, else /var/run/docker.sock). */
function dockerClient(env: NodeJS.ProcessEnv, timeout: number): Docker {
  return env.DOCKER_HOST ? new Docker({ timeout }) : new Docker({ socketPath: DEFAULT_DOCKER_SOCKET, timeout });
}

/** dockerFacts queries the engine dockerode finds ($DOCKER_HOST, else /var/run/docker.sock). */
async function dockerFacts(env: NodeJS.ProcessEnv = process.env): Promise<DockerFacts> {
  // dockerode reads DOCKER_HOST itself; without it, name the socket so the report can say where it looked.
  const address = env.DOCKER_HOST ?? `unix://${DEFAULT_DOCKER_SOCKET}`;
  const docker = dockerClient(env, DOCKER_TIMEOUT_MS);
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<Record<string, unknown>>]);
  return {
    address,
    serverVersion: version.Version,
    apiVersion: version.ApiVersion,
    containerdVersion: (version.Components ?? []).find((c) => c.Name.toLowerCase() === 'containerd')?.Version ?? '',
    runtimes: (info.Runtimes ?? {}) as DockerFacts['runtimes'],
    defaultRuntime: String(info.DefaultRuntime ?? 'runc'),
    cgroupVersion: String(info.CgroupVersion ?? ''),
    cgroupDriver: String(info.CgroupDriver ?? ''),
    experimental: (version as { Experimental?: boolean }).Experimental === true || info.ExperimentalBuild === true,
  };
}

/** realDoctorHost is this machine, seen from the checkout msbctl runs from. */
export function realDoctorHost(daemonJsonPath: string): DoctorHost {
  return {
    docker: () => dockerFacts(),
    readFile: (path) => readFileSync(path, 'utf8'),
    readBytes: (path) => readFileSync(path),
    // Pulling nothing, creating a network and two containers: 30 s per API call is generous.
    dockerProbe: () => dockerodeProbe(dockerClient(process.env, 30_000)),
    exists: (path) => existsSync(path),
    realpath: (path) => {
      try {
        return realpathSync(path);
      } catch {
        return undefined;
      }
    },
    isExecutable: (path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    which: (command) => which(command),
    run: (command, args, timeoutMs = 10_000) => {
      const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
      const error = r.error
        ? (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
          ? `did not finish within ${timeoutMs / 1000} s`
          : r.error.message
        : undefined;
      return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(error ? { error } : {}) };
    },
    isRoot: process.getuid?.() === 0,
    kernelRelease: release(),
    kvmFs: realKvmHostFs,
    findKrunProvider: () => findKrunProvider(),
    statfsType: (path) => {
      try {
        return statfsSync(path).type;
      } catch {
        return undefined;
      }
    },
    makeTempDir: () => mkdtempSync(join(tmpdir(), 'msb-doctor-')),
    now: () => Date.now(),
    randomToken: () => randomBytes(4).toString('hex'),
    removeDir: (path) => rmSync(path, { recursive: true, force: true }),
    checkout: dirname(dirname(defaultRuntimePath())),
    daemonJsonPath,
    relayStatus: () => relayStatus(),
  };
}
