import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { MsbError } from '../../base/errors.js';
import { cached } from '../../base/host-facts-cache.js';
import type { Spec } from '../../base/spec.js';
import { CONTROL_SOCKET_ANNOTATION, HOST_UDS_ANNOTATION } from '../annotations.js';
import type { BackendContext } from '../backend.js';
import { dockerImageOf } from '../container-image.js';
import { addControlSocketMounts, type ControlSocket, parseControlSockets, planControlSockets } from '../control-sockets.js';
import {
  type ContainerIdentity,
  decideControlSockets,
  decideSocketMounts,
  permittedAccess,
  type SocketAccess,
  type SocketGrant,
} from '../host-socket-policy.js';
import { bindMountFacts } from '../mount-facts.js';
import { decideHostUds, dropHostUdsAnnotation, type HostUds, type HostUdsSupport, parseHostUdsSupport, runscHostUdsArgs } from './host-sockets.js';
import type { RunscVersion } from './runsc-version.js';

/** HostSocketSetup is the gVisor plan for a container's host sockets, made in prepare. */
export interface HostSocketSetup {
  spec: Spec;
  /** Goes into every runsc command line of the container (create, start, exec …). */
  runscArgs: string[];
  controlSockets: ControlSocket[];
  /** Host directories msb made for the container; shim/msb-runtime removes them on delete. */
  ownedDirs: string[];
  summary: { hostUds: HostUds; grants: SocketGrant[] };
  /** Creates the control-socket directories (after the record directory is claimed). */
  writeFiles(): void;
  /** Removes what writeFiles made; used after a failed create. */
  remove(): void;
}

/** probeHostUdsSupport reads `runsc flags` once per binary (path, inode, size, mtime). */
function probeHostUdsSupport(runsc: string, cacheDir: string): HostUdsSupport {
  const st = statSync(runsc);
  return cached(cacheDir, 'runsc-host-uds', `${runsc}:${st.ino}:${st.size}:${st.mtimeMs}`, () => {
    const r = spawnSync(runsc, ['flags'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return parseHostUdsSupport(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  });
}

/**
 * prepareHostSockets checks the container's socket mounts, control sockets and host-uds
 * annotation against policy (failing with the rule that denies), and plans the --host-uds flag
 * and the control-socket directories. Nothing is written until writeFiles.
 */
export function prepareHostSockets(ctx: BackendContext, runsc: string, version: RunscVersion): HostSocketSetup {
  const { spec, policy } = ctx;
  const annotations = spec.annotations ?? {};
  const identity: ContainerIdentity = { annotations, image: dockerImageOf(spec, ctx.id) };
  const grants = decideSocketMounts(policy, bindMountFacts(spec), identity, 'gvisor');
  const controlPaths = parseControlSockets(annotations[CONTROL_SOCKET_ANNOTATION]);
  const controlRule = decideControlSockets(policy, controlPaths, identity, 'gvisor', CONTROL_SOCKET_ANNOTATION);
  const plan = planControlSockets(controlPaths, policy.sockets.controlDirectory, ctx.id);
  const needed: SocketAccess[] = grants.map((g) => g.access);
  if (plan) needed.push('create');
  const permitted = permittedAccess(policy, identity);
  const annotation = annotations[HOST_UDS_ANNOTATION] as HostUds | undefined;
  const hostUds = decideHostUds({ needed, annotation, permitted, policySource: policy.source });
  const runscArgs = hostUds === 'none' ? [] : runscHostUdsArgs(hostUds, probeHostUdsSupport(runsc, ctx.paths.cacheDir), permitted, version.raw);
  if (hostUds !== 'none') {
    const why = [
      ...grants.map((g) => `${g.access} for ${g.source} (${g.rule})`),
      ...(plan ? [`create for control sockets (${controlRule})`] : []),
      ...(annotation ? [`annotation ${HOST_UDS_ANNOTATION}=${annotation}`] : []),
    ];
    ctx.debug(`gvisor: ${runscArgs.join(' ')}: ${why.join('; ')}`);
  }

  const user = spec.process?.user;
  let made = false;
  return {
    spec: dropHostUdsAnnotation(addControlSocketMounts(spec, plan)),
    runscArgs,
    controlSockets: plan?.sockets ?? [],
    ownedDirs: plan ? [plan.containerRoot] : [],
    summary: { hostUds, grants },
    writeFiles(): void {
      if (!plan) return;
      mkdirSync(policy.sockets.controlDirectory, { recursive: true, mode: 0o755 });
      try {
        mkdirSync(plan.containerRoot, { mode: 0o755 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST')
          throw new MsbError('already-exists', `gvisor: control socket directory ${plan.containerRoot} already exists`);
        throw err;
      }
      made = true;
      for (const d of plan.directories) {
        mkdirSync(d.hostDirectory, { mode: 0o755 });
        // The container's user creates the socket: the sandbox checks the directory's owner and mode.
        const uid = user?.uid ?? 0;
        const gid = user?.gid ?? 0;
        const st = statSync(d.hostDirectory);
        if (st.uid !== uid || st.gid !== gid) chownSync(d.hostDirectory, uid, gid);
      }
    },
    remove(): void {
      if (made) rmSync(plan?.containerRoot ?? '', { recursive: true, force: true });
    },
  };
}
