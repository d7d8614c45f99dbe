import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ContainerDns, DNS_AT_START_FILE, finishContainerDns } from '../../dns/container-dns.js';
import { MsbError } from '../../base/errors.js';
import { type GlobalOptions, logTargetOf } from '../global-options.js';
import { appendLogLine } from '../../base/log.js';
import { containerPaths } from '../../base/paths.js';

/**
 * dnsAtStart finishes the DNS of a container whose network Docker set up after create (Docker
 * 28+): shim/msb-runtime runs it before `runsc start` when Docker's resolv.conf names 127.0.0.11,
 * so the sandbox's first instruction already sees the relay (docs/dns.md).
 */
export function dnsAtStart(g: GlobalOptions, id: string): void {
  const paths = containerPaths(g.root, id);
  const file = join(paths.dir, DNS_AT_START_FILE);
  let c: ContainerDns;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as ContainerDns;
  } catch (err) {
    throw new MsbError('not-found', `dns-at-start: container ${id} has no DNS to finish (${file}: ${(err as Error).message})`);
  }
  const log = logTargetOf(g);
  finishContainerDns(c, (msg) => appendLogLine(log, 'debug', msg));
}
