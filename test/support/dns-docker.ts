import { buildQuery, readAnswers } from '../../src/dns/dns-message.js';
import { readHeader } from '../../src/dns/dns-wire.js';
import { dockerAsync, dockerOk } from './docker.js';

/** Reply is a DNS reply as the tests compare it: rcode, TC bit and sorted answers (id dropped). */
export interface Reply {
  rcode: number;
  truncated: boolean;
  answers: string[];
}

/** decodeReply turns dnsq's hex output into a Reply, or undefined when there was none. */
function decodeReply(hex: string): Reply | undefined {
  const msg = Buffer.from(hex.trim(), 'hex');
  const h = readHeader(msg);
  if (!h) return undefined;
  const answers = (readAnswers(msg) ?? []).map((r) => `${r.name} ${r.type} ${r.ttl} ${r.data}`).sort();
  return { rcode: h.rcode, truncated: h.truncated, answers };
}

/**
 * ask runs /dnsq inside a container (it must be mounted there) against server and returns the
 * reply, or undefined when none came within dnsq's 2 s.
 */
export async function ask(container: string, server: string, name: string, type = 1, opts: { tcp?: boolean; hex?: string } = {}): Promise<Reply | undefined> {
  const hex = opts.hex ?? buildQuery(0x4242, name, type).toString('hex');
  const r = await dockerAsync(['exec', container, '/dnsq', ...(opts.tcp ? ['-t'] : []), server, hex], { timeout: 30_000 });
  return r.status === 0 ? decodeReply(r.stdout) : undefined;
}

/** ptrName is the in-addr.arpa name of an IPv4 address. */
export function ptrName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** containerIp is a container's address on one network. */
export function containerIp(container: string, network: string): string {
  return dockerOk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]).trim();
}

/** networkGateway is the host's address on a Docker network. */
export function networkGateway(network: string): string {
  return dockerOk(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', network]).trim();
}

/**
 * nslookupAddresses runs busybox nslookup in a container and returns the addresses it printed
 * for the name. Asynchronous: the test's own upstream server must keep answering meanwhile.
 */
export async function nslookupAddresses(container: string, name: string): Promise<string[]> {
  const r = await dockerAsync(['exec', container, 'nslookup', '-type=a', name], { timeout: 30_000 });
  const afterName = r.stdout
    .split(/^Name:/m)
    .slice(1)
    .join('\n');
  return [...afterName.matchAll(/^Address:\s*(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1] as string).sort();
}
