import { buildStaticTool } from './static-tool.js';

/**
 * buildDnsq builds test/support/dnsq.c: a one-message DNS client for inside busybox containers
 * (busybox has no UDP nc and its nslookup hides rcodes).
 */
export function buildDnsq(dir: string): { path: string } | { skip: string } {
  return buildStaticTool('dnsq', dir, 'the in-container DNS client');
}

/** buildDnsprobe builds test/support/dnsprobe.c: asks a name every few ms with a short timeout and reports the longest time without an answer. */
export function buildDnsprobe(dir: string): { path: string } | { skip: string } {
  return buildStaticTool('dnsprobe', dir, 'the in-container DNS outage prober');
}
