import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** CRI_PROTO is msb's subset of the CRI runtime.v1 API (field numbers as upstream). */
const CRI_PROTO = 'runtime-v1.proto';

/** PodConfig is the part of a PodSandboxConfig msb's tests set. */
export interface PodConfig {
  metadata: { name: string; uid: string; namespace: string; attempt?: number };
  hostname?: string;
  logDirectory?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

/** ContainerConfig is the part of a CRI ContainerConfig msb's tests set. */
export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  annotations?: Record<string, string>;
  logPath?: string;
}

/** ExecResult is ExecSync's answer. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

type Call = (req: unknown, opts: { deadline: Date }, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/**
 * CriClient speaks containerd's CRI over its Unix socket the way kubelet does (RunPodSandbox,
 * CreateContainer, StartContainer, ExecSync, StopPodSandbox, RemovePodSandbox), with
 * @grpc/grpc-js and the .proto beside this file.
 */
export class CriClient {
  private readonly stub: grpc.Client & Record<string, Call>;

  constructor(socket: string, protoDir: string) {
    const def = protoLoader.loadSync(join(protoDir, CRI_PROTO), { keepCase: false, longs: Number, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
    this.stub = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Call>;
  }

  private call<T>(method: string, req: unknown, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const fn = this.stub[method];
      if (!fn) return reject(new Error(`CRI method ${method} is not in ${CRI_PROTO}`));
      fn.call(this.stub, req, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
        if (err) reject(new Error(`CRI ${method}: ${err.details || err.message}`, { cause: err }));
        else resolve(res as T);
      });
    });
  }

  /** version is the runtime's name and version (CRI Version). */
  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    return this.call('Version', { version: 'v1' });
  }

  /** runPodSandbox starts a pod's sandbox under the given runtime handler and returns its id. */
  async runPodSandbox(config: PodConfig, runtimeHandler: string): Promise<string> {
    const r = await this.call<{ podSandboxId: string }>('RunPodSandbox', { config, runtimeHandler }, 120_000);
    return r.podSandboxId;
  }

  /** podIp is the pod's IP from PodSandboxStatus. */
  async podIp(podId: string): Promise<string> {
    const r = await this.call<{ status: { network?: { ip: string } } }>('PodSandboxStatus', { podSandboxId: podId });
    return r.status.network?.ip ?? '';
  }

  /** createContainer creates a container in a pod and returns its id. */
  async createContainer(podId: string, config: ContainerConfig, sandboxConfig: PodConfig): Promise<string> {
    const r = await this.call<{ containerId: string }>('CreateContainer', { podSandboxId: podId, config, sandboxConfig }, 120_000);
    return r.containerId;
  }

  async startContainer(id: string): Promise<void> {
    await this.call('StartContainer', { containerId: id });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call('StopContainer', { containerId: id, timeout: timeoutSeconds }, (timeoutSeconds + 60) * 1000);
  }

  async removeContainer(id: string): Promise<void> {
    await this.call('RemoveContainer', { containerId: id });
  }

  /** containerState is CONTAINER_CREATED, _RUNNING, _EXITED or _UNKNOWN, with the exit code. */
  async containerState(id: string): Promise<{ state: string; exitCode: number; reason: string }> {
    const r = await this.call<{ status: { state: string; exitCode: number; reason: string } }>('ContainerStatus', { containerId: id });
    return r.status;
  }

  /** execSync runs a command in a container and waits for it (CRI ExecSync, kubectl exec's non-streaming form). */
  async execSync(id: string, cmd: string[], timeoutSeconds = 30): Promise<ExecResult> {
    const r = await this.call<{ stdout: Buffer; stderr: Buffer; exitCode: number }>(
      'ExecSync',
      { containerId: id, cmd, timeout: timeoutSeconds },
      (timeoutSeconds + 30) * 1000,
    );
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode };
  }

  async stopPodSandbox(podId: string): Promise<void> {
    await this.call('StopPodSandbox', { podSandboxId: podId }, 120_000);
  }

  async removePodSandbox(podId: string): Promise<void> {
    await this.call('RemovePodSandbox', { podSandboxId: podId }, 120_000);
  }

  close(): void {
    this.stub.close();
  }
}
