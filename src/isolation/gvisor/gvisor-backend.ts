import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostResolvers } from '../../dns/host-resolvers.js';
import { registerWithRelay } from '../../dns/relay-registration-step.js';
import { containerResolvConf, relayResolvConf, takeOverResolvConf } from '../../dns/rewrite-resolv-conf.js';
import { MsbError } from '../../oci/errors.js';
import { which } from '../../oci/which.js';
import type { Backend, BackendContext, CreateRequest, PreparedContainer } from '../backend.js';
import { runRuncCreate } from '../runc-create.js';
import { prepareHostSockets } from './host-socket-setup.js';
import { gvisorLauncher } from './launcher.js';
import { checkNetworkNamespace } from './network-namespace.js';
import { choosePlatform } from './platform.js';
import { decideRmemWorkaround, probeKernelNamespacesRmem } from './rmem-quirk.js';
import { probeRunscVersion } from './runsc-version.js';

/** runscRootOf is runsc's own state root, beside msb's records. */
export function runscRootOf(stateDir: string): string {
  return join(stateDir, 'runsc');
}

function required(command: string, why: string): string {
  const path = which(command);
  if (!path) throw new MsbError('host-unsupported', `gvisor: ${command} not found on PATH; it is needed ${why}`);
  return path;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // Docker has not written it (yet): the container gets an empty resolv.conf, as it would.
  }
}

function prepareGvisor(ctx: BackendContext): PreparedContainer {
  const { policy, paths } = ctx;
  checkNetworkNamespace(ctx.spec);
  if (ctx.preserveFds > 0) {
    throw new MsbError('unsupported', `gvisor: --preserve-fds ${ctx.preserveFds} is not supported: runsc cannot pass extra descriptors into the sandbox`);
  }
  const runsc = which(policy.gvisor.runsc);
  if (!runsc) {
    throw new MsbError(
      'host-unsupported',
      `gvisor: runsc not found (policy gvisor.runsc=${JSON.stringify(policy.gvisor.runsc)}, PATH=${process.env.PATH ?? ''}); install runsc or set gvisor.runsc in ${policy.source}`,
    );
  }
  const version = probeRunscVersion(runsc, paths.cacheDir);
  const platform = choosePlatform(policy.gvisor.platform, version);
  const rmem = decideRmemWorkaround(policy.gvisor.rmemWorkaround, version, () =>
    probeKernelNamespacesRmem(paths.cacheDir, required('unshare', 'to probe the kernel for the rmem_default quirk')),
  );
  ctx.debug(`gvisor: runsc ${runsc} (${version.raw}), platform ${platform}; rmem_default workaround ${rmem.apply ? 'applied' : 'not needed'}: ${rmem.reason}`);

  const runscRoot = runscRootOf(paths.stateDir);
  const runscArgs = ['--root', runscRoot, `--platform=${platform}`];
  // Docker's systemd cgroup driver writes cgroupsPath as slice:prefix:name, which only a
  // runtime in systemd mode reads correctly; runsc has the same flag.
  if (ctx.global.systemdCgroup) runscArgs.push('--systemd-cgroup');
  const sockets = prepareHostSockets(ctx, runsc, version);
  runscArgs.push(...sockets.runscArgs);
  const resolv = takeOverResolvConf(sockets.spec, join(paths.dir, 'resolv.conf'));
  const upstreams = !resolv ? [] : policy.dns.upstreams.length > 0 ? policy.dns.upstreams : hostResolvers();
  const writeResolvConf = (): void => {
    if (resolv) writeFileSync(resolv.generatedPath, containerResolvConf(readOrEmpty(resolv.dockerSource), upstreams, resolv.dockerSource), { mode: 0o644 });
  };
  let pidFile: string | undefined;
  // After runsc create Docker's hook has configured the netns: register with the DNS relay and
  // point resolv.conf at it (docs/dns.md), else at the upstreams as before.
  const afterCreate = (): void => {
    if (!resolv) return;
    const dockerText = readOrEmpty(resolv.dockerSource);
    let relay: string | undefined;
    try {
      relay = registerWithRelay({ id: ctx.id, dir: paths.dir, pidFile, dockerResolvConf: resolv.dockerSource, dockerText, policy: policy.dns, debug: ctx.debug });
    } catch (err) {
      // DNS must not fail the container: it keeps the upstream resolvers, and the log says why.
      ctx.debug(`dns: no relay registration: ${(err as Error).message}; container names will not resolve`);
    }
    if (relay) writeFileSync(resolv.generatedPath, relayResolvConf(dockerText, relay, resolv.dockerSource), { mode: 0o644 });
    else writeResolvConf();
  };
  if (resolv) ctx.debug(`gvisor: /etc/resolv.conf comes from ${resolv.generatedPath} (Docker's ${resolv.dockerSource} may name 127.0.0.11, which the sandbox cannot reach)`);

  const launcher = gvisorLauncher({
    id: ctx.id,
    bundle: ctx.bundle,
    runsc,
    runscArgs,
    ownedDirs: sockets.ownedDirs,
    rmemWorkaround: rmem.apply
      ? { unshare: required('unshare', 'for the rmem_default workaround'), mount: required('mount', 'for the rmem_default workaround'), reason: rmem.reason }
      : undefined,
  });

  return {
    spec: resolv?.spec ?? sockets.spec,
    writeFiles(): void {
      sockets.writeFiles();
      writeResolvConf();
    },
    afterCreate,
    launcher,
    controlSockets: sockets.controlSockets,
    summary: { runsc, runscVersion: version.raw, platform, runscRoot, rmemWorkaround: rmem, hostSockets: sockets.summary },
    create(req: CreateRequest): number {
      pidFile = req.pidFile;
      return runRuncCreate({ backend: 'gvisor', binary: runsc, globalArgs: runscArgs, stateRoot: runscRoot }, ctx.global, req);
    },
    destroy(id: string): void {
      spawnSync(runsc, [...runscArgs, 'delete', '--force', id], { stdio: 'ignore', timeout: 30_000 });
      sockets.remove();
    },
  };
}

/** gvisorBackend runs containers under runsc with msb's own runsc state root. */
export const gvisorBackend: Backend = { name: 'gvisor', prepare: prepareGvisor };
