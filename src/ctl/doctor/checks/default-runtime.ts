import type { DoctorCheck, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';
import { isMsbRuntimePath } from './msb-runtime.js';

/** defaultRuntimeCheck: which runtime runs containers that name none, and whether dockerd agrees with daemon.json. */
export const defaultRuntimeCheck: DoctorCheck<DoctorContext> = {
  id: 'default-runtime',
  async run(ctx): Promise<Finding> {
    const docker = await ctx.docker();
    const file = ctx.daemonJson();
    const configured = typeof file.config?.['default-runtime'] === 'string' ? (file.config['default-runtime'] as string) : undefined;
    if (docker instanceof Error) {
      return {
        status: 'skip',
        summary: `the engine does not answer (docker-engine); daemon.json says ${configured ?? 'nothing (runc)'}`,
        facts: { configured: configured ?? null },
      };
    }
    const name = docker.defaultRuntime;
    const path = docker.runtimes[name]?.path;
    const facts = { defaultRuntime: name, configured: configured ?? null, msb: false };
    // dockerd keeps its current default on SIGHUP when the key is absent (seen with Docker 20.10), so compare only a set key.
    if (configured !== undefined && configured !== name) {
      return {
        status: 'warn',
        summary: `dockerd runs with default runtime ${name}, but daemon.json says ${configured}`,
        fix: 'reload dockerd: kill -HUP $(cat /var/run/docker.pid) (or restart it)',
        facts,
      };
    }
    if (path === undefined || !isMsbRuntimePath(path, ctx.host.realpath(path.includes('/') ? path : (ctx.host.which(path) ?? path)))) {
      return {
        status: 'ok',
        summary: `default runtime ${name}: containers run under msb only when they ask (docker run --runtime=msb, compose runtime: msb)`,
        detail: 'to sandbox every container: shim/msbctl install --default',
        facts,
      };
    }
    const resolved = ctx.host.realpath(path);
    if (resolved === undefined) {
      return {
        status: 'fail',
        summary: `default runtime ${name} points at ${path}, which does not exist: every container without --runtime fails`,
        fix: `re-register it from an existing checkout (shim/msbctl install --name ${name} --default), or shim/msbctl uninstall --name ${name}`,
        facts: { ...facts, msb: true },
      };
    }
    return { status: 'ok', summary: `default runtime ${name} (${path}): every container without --runtime runs sandboxed`, facts: { ...facts, msb: true } };
  },
};
