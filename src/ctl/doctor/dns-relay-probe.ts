import type { Finding } from './check.js';

/**
 * DnsRelayProbe reports the DNS relay's state as a doctor finding (running, which networks it
 * serves, what is wrong). The relay's own module provides it; doctor only renders the answer.
 */
export type DnsRelayProbe = () => Finding | Promise<Finding>;

/**
 * dnsRelayProbe is the relay's state probe for doctor's dns-relay check. This build has no relay
 * (src/dns holds only the resolv.conf rewrite), so it is undefined; when the relay lands, set it
 * to the relay's own status function. Until then the check reports skip, or warn if relay code is
 * present but not wired here.
 */
export const dnsRelayProbe: DnsRelayProbe | undefined = undefined;
