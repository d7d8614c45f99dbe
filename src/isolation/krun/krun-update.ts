import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MsbError } from '../../base/errors.js';
import { writeFileAtomic } from '../../base/record.js';
import { controlRequest, findControlSocket } from './control-client.js';
import type { KrunContainer } from './krun-exec.js';
import { type MemoryState, planResize } from './resize-plan.js';

interface Resources {
  memory?: { limit?: number };
  cpu?: { quota?: number; period?: number };
}

function runcStatePid(c: KrunContainer): number | undefined {
  const r = spawnSync(c.runc, [...c.runcArgs, 'state', c.id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) return undefined;
  const state = JSON.parse(r.stdout) as { status?: string; pid?: number };
  return state.status === 'running' && state.pid ? state.pid : undefined;
}

async function memoryState(socket: string): Promise<MemoryState> {
  const reply = await controlRequest(socket, { op: 'memory_state' });
  if (reply.ok !== true || !reply.memory) throw new MsbError('backend', `krun: msb memory_state failed: ${String(reply.error ?? 'no memory state')}`);
  return reply.memory as MemoryState;
}

async function ok(socket: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await controlRequest(socket, request);
  if (reply.ok !== true) throw new MsbError('backend', `krun: msb ${String(request.op)} failed: ${String(reply.error ?? 'refused')}`);
  return reply;
}

/**
 * krunUpdate applies `docker update` to a running microVM: runc updates the cgroup, msb's control
 * socket resizes the guest (memory_target through virtio-mem, cpu_target), in the order
 * planResize gives. A guest that does not release memory within the wait is put back to its
 * previous size and the update is refused, with the cgroup untouched.
 */
export async function krunUpdate(
  c: KrunContainer,
  logArgs: string[],
  resourcesPath: string | undefined,
  headroomMiB: number,
  waitMs = 15_000,
): Promise<number> {
  if (!resourcesPath) throw new MsbError('invalid-argument', 'krun: update needs --resources (containerd passes it)');
  const text = readFileSync(resourcesPath === '-' ? 0 : resourcesPath, 'utf8');
  const resources = JSON.parse(text) as Resources;
  const pid = runcStatePid(c);
  if (pid === undefined) throw new MsbError('unsupported', `krun: container ${c.id} is not running; its microVM can be resized only while it runs`);
  const socket = findControlSocket(pid);
  const memory = await memoryState(socket);
  const cpuReply = await controlRequest(socket, { op: 'cpu_state' }).catch(() => ({}) as Record<string, unknown>);
  const possible = (cpuReply.cpu as { possible?: number } | undefined)?.possible;
  const steps = planResize(memory, headroomMiB, possible, {
    memoryLimit: resources.memory?.limit,
    cpuQuota: resources.cpu?.quota,
    cpuPeriod: resources.cpu?.period,
  });
  const file = join(c.dir, `update-${process.pid}.json`);
  try {
    for (const step of steps) {
      if (step.kind === 'cgroup') {
        writeFileAtomic(file, text);
        const r = spawnSync(c.runc, [...c.runcArgs, ...logArgs, 'update', '--resources', file, c.id], { stdio: 'inherit' });
        if (r.status !== 0) return r.status ?? 1;
      } else if (step.kind === 'memory') {
        await ok(socket, { op: 'memory_target', total_mib: step.totalMiB });
        if (step.waitForRelease) {
          const end = Date.now() + waitMs;
          let now = await memoryState(socket);
          while (now.current_mib > step.totalMiB && Date.now() < end) {
            await new Promise((r) => setTimeout(r, 250));
            now = await memoryState(socket);
          }
          if (now.current_mib > step.totalMiB) {
            await ok(socket, { op: 'memory_target', total_mib: memory.target_mib });
            throw new MsbError(
              'backend',
              `krun: the guest did not release memory: it still uses ${now.current_mib} MiB of the ${step.totalMiB} MiB asked for after ${waitMs / 1000} s; the update is refused and the cgroup left unchanged`,
            );
          }
        }
      } else {
        await ok(socket, { op: 'cpu_target', online: step.online });
      }
    }
    return 0;
  } finally {
    rmSync(file, { force: true });
  }
}
