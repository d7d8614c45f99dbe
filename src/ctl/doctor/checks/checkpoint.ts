import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/**
 * checkpointCheck: whether dockerd runs with experimental features, which `docker checkpoint`
 * and `docker start --checkpoint` need (docs/checkpoint.md). Off is not a fault: nothing else
 * depends on it, so the check is skipped with the way to turn it on.
 */
export const checkpointCheck: DoctorCheck<DoctorContext> = {
  id: 'checkpoint',
  async run(ctx): Promise<Finding> {
    const docker = await ctx.docker();
    if (docker instanceof Error) return { status: 'skip', summary: 'the Docker engine does not answer (see docker-engine)', facts: { experimental: null } };
    if (docker.experimental !== true) {
      return {
        status: 'skip',
        summary: 'dockerd runs without experimental features: docker checkpoint and docker start --checkpoint are unavailable',
        detail: 'set "experimental": true in daemon.json and restart dockerd (scripts/provision.sh does it) to checkpoint and restore gVisor containers',
        facts: { experimental: false },
      };
    }
    return {
      status: 'ok',
      summary: 'dockerd runs with experimental features: docker checkpoint and docker start --checkpoint work for gVisor containers (microVMs refuse them)',
      facts: { experimental: true },
    };
  },
};
