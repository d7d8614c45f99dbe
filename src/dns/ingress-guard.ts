import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';

/** IptablesRun runs `iptables ARGS` and says whether it worked; tests pass a recorder. */
export type IptablesRun = (args: readonly string[]) => { ok: boolean; error?: string };

const realIptables: IptablesRun = (args) => {
  const r = spawnSync('iptables', ['-w', ...args], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return { ok: false, error: r.error.message };
  return r.status === 0 ? { ok: true } : { ok: false, error: (r.stderr || `exit ${r.status}`).trim().split('\n').at(-1) ?? '' };
};

/** interfaceWithAddress names the host interface that holds an IPv4 address (a network's bridge holds its gateway). */
export function interfaceWithAddress(address: string, interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string | undefined {
  for (const [name, addrs] of Object.entries(interfaces)) if (addrs?.some((a) => a.family === 'IPv4' && a.address === address)) return name;
  return undefined;
}

/** guardChainName is the raw-table chain of one relay state directory (iptables allows 28 characters). */
export function guardChainName(stateDir: string, defaultStateDir: string): string {
  return stateDir === defaultStateDir ? 'MSB-DNS-INGRESS' : `MSB-DNS-${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`;
}

/** GuardState says whether a gateway's relay port only takes packets from its own bridge. */
export type GuardState = { guarded: true; bridge: string } | { guarded: false; reason: string };

/**
 * IngressGuard makes the relay answer only queries that arrived on the bridge of the network
 * whose gateway they were sent to (issue 15): the relay trusts a query's source address, and
 * with source filtering off (rp_filter=0) a runc container on another network can forge a
 * sandboxed container's address and spend its rate limit. For each gateway the relay listens
 * on, one rule per protocol in a raw-table chain of its own drops packets to GATEWAY:PORT that
 * came in on any other interface, before conntrack and before the relay sees them, so a forged
 * query gets nothing and costs its victim nothing. Node cannot read a datagram's interface
 * (IP_PKTINFO) or bind to a device, so the kernel's filter does it. The chain is flushed when a
 * relay starts (a killed relay's rules name bridges that may be gone) and removed when it stops.
 */
export class IngressGuard {
  private readonly states = new Map<string, GuardState>();
  private setup?: { ok: boolean; error?: string };

  constructor(
    private readonly chain: string,
    private readonly port: number,
    private readonly run: IptablesRun = realIptables,
    private readonly interfaces: () => ReturnType<typeof networkInterfaces> = networkInterfaces,
  ) {}

  /** start makes the chain empty and jumped to from raw PREROUTING; the first failure is kept as every gateway's reason. */
  start(): void {
    this.run(['-t', 'raw', '-N', this.chain]); // exists already after a killed relay: flushed below
    const flushed = this.run(['-t', 'raw', '-F', this.chain]);
    if (!flushed.ok) {
      this.setup = { ok: false, error: `cannot use iptables raw chain ${this.chain}: ${flushed.error}` };
      return;
    }
    const jump = ['PREROUTING', '-j', this.chain];
    if (!this.run(['-t', 'raw', '-C', ...jump]).ok) {
      const inserted = this.run(['-t', 'raw', '-I', ...jump]);
      if (!inserted.ok) {
        this.setup = { ok: false, error: `cannot jump to ${this.chain} from raw PREROUTING: ${inserted.error}` };
        return;
      }
    }
    this.setup = { ok: true };
  }

  private rules(gateway: string, bridge: string): string[][] {
    return ['udp', 'tcp'].map((proto) => ['-d', `${gateway}/32`, '-p', proto, '--dport', String(this.port), '!', '-i', bridge, '-j', 'DROP']);
  }

  /** protect adds the gateway's rules; the state says why not when it cannot. */
  protect(gateway: string): GuardState {
    if (!this.setup) this.start();
    let state: GuardState;
    const bridge = interfaceWithAddress(gateway, this.interfaces());
    if (!this.setup?.ok) state = { guarded: false, reason: this.setup?.error ?? 'not set up' };
    else if (!bridge) state = { guarded: false, reason: `no host interface holds ${gateway}` };
    else {
      const failed = this.rules(gateway, bridge)
        .map((rule) => this.run(['-t', 'raw', '-A', this.chain, ...rule]))
        .find((r) => !r.ok);
      state = failed ? { guarded: false, reason: `iptables: ${failed.error}` } : { guarded: true, bridge };
    }
    this.states.set(gateway, state);
    return state;
  }

  /** release removes the gateway's rules (the relay stopped listening there). */
  release(gateway: string): void {
    const state = this.states.get(gateway);
    this.states.delete(gateway);
    if (state?.guarded) for (const rule of this.rules(gateway, state.bridge)) this.run(['-t', 'raw', '-D', this.chain, ...rule]);
  }

  /** stateOf is a gateway's guard state, for status. */
  stateOf(gateway: string): GuardState | undefined {
    return this.states.get(gateway);
  }

  /** close removes the chain and its jump. */
  close(): void {
    if (!this.setup?.ok) return;
    this.run(['-t', 'raw', '-D', 'PREROUTING', '-j', this.chain]);
    this.run(['-t', 'raw', '-F', this.chain]);
    this.run(['-t', 'raw', '-X', this.chain]);
    this.states.clear();
    this.setup = undefined;
  }
}
