import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';

/** dockerEngineCheck: the Docker engine answers (dockerode, $DOCKER_HOST or /var/run/docker.sock) and which version it is. */
export const dockerEngineCheck: DoctorCheck<DoctorContext> = {
  id: 'docker-engine',
  async run(ctx): Promise<Finding> {
    const docker = await ctx.docker();
    if (docker instanceof Error) {
      return {
        status: 'fail',
        summary: `the Docker engine does not answer: ${docker.message}`,
        fix: 'start dockerd (systemctl start docker), or point DOCKER_HOST at it; doctor needs root to open /var/run/docker.sock',
        facts: { reachable: false },
      };
    }
    return {
      status: 'ok',
      summary: `Docker ${docker.serverVersion} (API ${docker.apiVersion}) answers at ${docker.address}`,
      facts: { reachable: true, address: docker.address, serverVersion: docker.serverVersion, apiVersion: docker.apiVersion },
    };
  },
};
