import { relayStatus, type RelayStatus } from '../../dns/relay-client.js';
import { relayProblems } from '../../dns/relay-health.js';
import { serveRelay } from '../../dns/relay-service.js';
import { findLateNetworks, formatLateNetworks, type LateNetwork } from '../../isolation/gvisor/late-networks.js';
import { MsbError } from '../../base/errors.js';
import { DOCKER_RUNTIME_ROOT } from './sockets.js';

/** DnsStatusOptions are `msbctl dns status`'s flags. */
export interface DnsStatusOptions {
  json: boolean;
}

interface ContainerLine {
  id: string;
  addresses: string[];
  gateways: string[];
  upstreams: string[];
  queries: number;
  answeredDocker?: number;
  answeredUpstream?: number;
  answeredCache?: number;
  dropsRate?: number;
  dropsMalformed?: number;
}

/** formatDnsStatus renders the relay's status per network (gateway) and container. */
export function formatDnsStatus(s: RelayStatus): string {
  if (!s.running) return `DNS relay: not running (${s.reason})\n`;
  const st = s.status as {
    pid?: number;
    started?: string;
    rssBytes?: number;
    networks?: { address: string; error?: string; containers: string[] }[];
    containers?: ContainerLine[];
    counters?: Record<string, number>;
  };
  const byId = new Map((st.containers ?? []).map((c) => [c.id, c]));
  const problems = relayProblems(s.status);
  const state = problems.failures.length > 0 ? 'FAILING' : 'running';
  const lines = [`DNS relay: ${state}, pid ${st.pid ?? '?'}, since ${st.started ?? '?'}, ${Math.round((st.rssBytes ?? 0) / 1048576)} MB RSS`];
  for (const f of problems.failures) lines.push(`FAIL: ${f}`);
  for (const w of problems.warnings) lines.push(`WARN: ${w}`);
  const counters = st.counters ?? {};
  lines.push(
    `dropped: ${counters.unregistered ?? 0} from unregistered addresses, ${counters.malformed ?? 0} malformed, ${counters.rateLimited ?? 0} over the rate limit; ${counters.unanswered ?? 0} unanswered`,
  );
  for (const n of st.networks ?? []) {
    lines.push(`network gateway ${n.address}:53${n.error ? ` (NOT LISTENING: ${n.error})` : ''}`);
    for (const id of n.containers) {
      const c = byId.get(id);
      if (!c) continue;
      lines.push(
        `  ${id.slice(0, 12)}  ${c.addresses.join(',')}  queries ${c.queries} (docker ${c.answeredDocker ?? 0}, upstream ${c.answeredUpstream ?? 0}, cache ${c.answeredCache ?? 0}, dropped ${(c.dropsRate ?? 0) + (c.dropsMalformed ?? 0)})  upstreams ${c.upstreams.join(',') || 'none'}`,
      );
    }
  }
  if ((st.networks ?? []).length === 0) lines.push('no containers registered');
  return `${lines.join('\n')}\n`;
}

/** dnsStatus prints what the host's DNS relay serves; it fails (exit 1) when no relay runs or the relay is failing. */
export async function dnsStatus(
  o: DnsStatusOptions,
  out: (t: string) => void = (t) => process.stdout.write(t),
  status: () => Promise<RelayStatus> = relayStatus,
  late: () => LateNetwork[] = () => findLateNetworks(DOCKER_RUNTIME_ROOT),
): Promise<void> {
  const s = await status();
  const problems = s.running ? relayProblems(s.status) : undefined;
  // Networks connected after start never reach a gVisor sandbox (docs/gvisor.md): say so here.
  const lateNetworks = late();
  out(
    o.json
      ? `${JSON.stringify(s.running ? { ...s, problems, lateNetworks } : { ...s, lateNetworks }, null, 2)}
`
      : `${formatDnsStatus(s)}${formatLateNetworks(lateNetworks)}`,
  );
  if (!s.running) throw new MsbError('not-found', `the DNS relay is not running: ${s.reason}`);
  if (problems && problems.failures.length > 0) throw new MsbError('backend', `the DNS relay is failing: ${problems.failures.join('; ')}`);
}

/** dnsServe runs the relay in the foreground (systemd: configs/msb-dns.service restarts it). */
export async function dnsServe(): Promise<void> {
  await serveRelay({});
}
