import { DEFAULT_POLICY_PATH, type Policy, loadPolicy, withDefaults } from '../../isolation/policy.js';
import { isRunscVersionOutput, type RunscVersion, parseRunscVersion } from '../../isolation/gvisor/runsc-version.js';
import { type DaemonConfig, parseDaemonJson } from '../daemon-json.js';
import type { DockerFacts, DoctorHost } from './host.js';

/** DoctorOptions are doctor's flags that steer what it looks at. */
export interface DoctorOptions {
  /** policy is --policy; undefined: $MSB_POLICY, else /etc/msb/policy.json, as the runtime reads it. */
  policy?: string;
  /** runtime is --runtime: the runtime name service-discovery tests; undefined: msb, else the first msb name. */
  runtime?: string;
}

/** PolicyFacts is the policy the runtime would use; error is set (and defaults used) when it does not load. */
interface PolicyFacts {
  policy: Policy;
  /** path is the file the runtime would read (it may be absent: then the built-in defaults apply). */
  path: string;
  error?: string;
}

/** RunscFacts is runsc as policy names it: found with its version, or why not. */
type RunscFacts = { path: string; version: RunscVersion } | { missing: string };

/** DaemonJsonFacts is daemon.json as read from disk: config undefined when absent or unreadable (error says which). */
interface DaemonJsonFacts {
  path: string;
  config?: DaemonConfig;
  error?: string;
}

/** DoctorContext gives checks the host and the facts several of them share, each probed once. */
export interface DoctorContext {
  host: DoctorHost;
  options: DoctorOptions;
  docker: () => Promise<DockerFacts | Error>;
  policy: () => PolicyFacts;
  runsc: () => RunscFacts;
  daemonJson: () => DaemonJsonFacts;
}

function once<T>(probe: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = probe();
      done = true;
    }
    return value;
  };
}

/** createDoctorContext wires the shared, memoised facts over a host. */
export function createDoctorContext(host: DoctorHost, options: DoctorOptions = {}, env: NodeJS.ProcessEnv = process.env): DoctorContext {
  const policy = once((): PolicyFacts => {
    const named = options.policy ?? env.MSB_POLICY;
    const path = named ?? DEFAULT_POLICY_PATH;
    try {
      return { policy: loadPolicy(named, host.readFile), path };
    } catch (err) {
      return { policy: withDefaults({}, 'built-in defaults'), path, error: (err as Error).message };
    }
  });
  const runsc = once((): RunscFacts => {
    const named = policy().policy.gvisor.runsc;
    const path = host.which(named);
    if (!path) return { missing: `runsc not found (policy gvisor.runsc=${JSON.stringify(named)})` };
    const r = host.run(path, ['--version']);
    if (r.error || r.status !== 0) return { missing: `${path} --version failed: ${r.error ?? (r.stderr.trim() || `exit ${r.status}`)}` };
    if (!isRunscVersionOutput(r.stdout))
      return { missing: `${path} (policy gvisor.runsc) is not runsc: --version printed ${JSON.stringify(r.stdout.split('\n')[0]?.trim() ?? '')}` };
    return { path, version: parseRunscVersion(r.stdout) };
  });
  const daemonJson = once((): DaemonJsonFacts => {
    const path = host.daemonJsonPath;
    let text: string;
    try {
      text = host.readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { path, error: code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${code ?? (err as Error).message}` };
    }
    try {
      return { path, config: parseDaemonJson(text, path) };
    } catch (err) {
      return { path, error: (err as Error).message };
    }
  });
  let dockerPromise: Promise<DockerFacts | Error> | undefined;
  const docker = (): Promise<DockerFacts | Error> => {
    dockerPromise ??= host.docker().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    return dockerPromise;
  };
  return { host, options, docker, policy, runsc, daemonJson };
}
