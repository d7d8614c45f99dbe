import { execFile } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { checkQuery, readHeader, Rcode, type Question } from './dns-wire.js';
import { buildResponse, readAnswers } from './dns-message.js';
import { type EgressNames, isPeer, nameVerdict, type NameVerdict, rebindViolation } from '../egress/name-policy.js';
import { learnCommands } from '../egress/nft-ruleset.js';
import { type DeniedLookup, queryTypeName } from '../egress/denied-names-log.js';
import { IdChannel } from './id-channel.js';
import type { GuardState, IngressGuard } from './ingress-guard.js';
import { Limiter } from './limiter.js';
import { UpstreamClient } from './upstream-client.js';
import { connectNetnsTcp, openNetnsUdpSocket } from './netns-socket.js';
import type { Registration } from './registration.js';
import { type Entry, Registry } from './registry.js';
import { tcpExchange, TcpFramer } from './tcp-framing.js';

/** EMBEDDED_DNS is where Docker's resolver listens inside every container's netns. */
const EMBEDDED_DNS = '127.0.0.11';

/** BUFFER_BYTES of socket buffer absorb bursts while Node is busy (capped by net.core.rmem_max). */
const BUFFER_BYTES = 4 << 20;

function enlargeBuffers(s: UdpSocket): void {
  try {
    s.setRecvBufferSize(BUFFER_BYTES);
    s.setSendBufferSize(BUFFER_BYTES);
  } catch {
    // not bound yet or capped: the default buffer still works
  }
}

/** RelayOptions configure a relay; the socket factories are the system boundary tests replace. */
export interface RelayOptions {
  nsenter: string;
  /** node for the netns children (default: this process's); and their source text, read once (netnsChildSource). */
  node?: string;
  childSource?: string;
  port?: number;
  log?: (msg: string) => void;
  openDockerSocket?: (reg: Registration) => Promise<UdpSocket>;
  connectDockerTcp?: (reg: Registration) => Promise<TcpSocket>;
  /** How long an upstream server gets before the next one is asked. */
  upstreamTimeoutMs?: number;
  /** Where Docker's resolver is inside the netns (127.0.0.11:53) and the upstreams' port (53); tests move them. */
  embeddedDns?: { address: string; port: number };
  upstreamPort?: number;
  /** How long after registration the netns socket is opened if no query asked for it first. */
  openDelayMs?: number;
  /** The least time Docker's resolver gets before the upstreams are asked too (default 25 ms). */
  embeddedSlowMs?: number;
  /** Drops queries to a gateway that did not arrive on its bridge (forged sources, issue 15). */
  guard?: IngressGuard;
  /**
   * Adds addresses to an egress set (nft) and calls back once they are in, or with the error;
   * the relay sends an allowed name's answer only after that (docs/egress.md).
   */
  learn?: (set: string, addresses: string[], ttlSeconds: number, done: (error?: string) => void) => void;
  /** Told of every lookup refused under an egress profile (`msbctl egress log`). */
  onDenied?: (entry: DeniedLookup) => void;
}

/** PEERS_ONLY_WAIT_MS is how long Docker's resolver gets for a name under a profile that answers only the peers' names. */
const PEERS_ONLY_WAIT_MS = 1000;

/** MIN_LEARN_SECONDS is the least time a learned address stays allowed (a TTL of 0 must still let the next connection out). */
const MIN_LEARN_SECONDS = 10;

/** nftLearn is the real learn: one `nft -j` batch (learnCommands), run without blocking the relay. */
export function nftLearn(nft: string): NonNullable<RelayOptions['learn']> {
  return (set, addresses, ttl, done) => {
    execFile(nft, ['-j', JSON.stringify({ nftables: learnCommands(set, addresses, ttl) })], { timeout: 5000 }, (err, _out, stderr) =>
      done(err ? (stderr || err.message).trim().split('\n')[0] : undefined),
    );
  };
}

/** Origin says who answered a query. */
type Origin = 'docker' | 'upstream';

interface Listener {
  udp: UdpSocket;
  tcp: Server;
  /** Open TCP connections: closing the listener ends them, rather than waiting for their timeout. */
  connections: Set<TcpSocket>;
  error?: string;
}

interface ContainerState {
  channel?: Promise<IdChannel>;
  /** The channel once open: the hot path skips the promise. */
  open?: IdChannel;
  dropsRate: number;
  dropsMalformed: number;
  answeredDocker: number;
  answeredUpstream: number;
  answeredCache: number;
  /** Egress: names refused (NXDOMAIN), answers dropped by rebind protection, answers whose addresses were learned, learn failures. */
  deniedNames: number;
  rebindDropped: number;
  learned: number;
  learnFailed: number;
}

/** RelayCounters are relay-wide counters for status and the benchmark. */
export interface RelayCounters {
  unregistered: number;
  malformed: number;
  rateLimited: number;
  unanswered: number;
}

/** RelayHealth is when the relay last failed and last succeeded, for status and doctor. */
export interface RelayHealth {
  lastAnsweredAt?: string;
  lastUnansweredAt?: string;
  /** The last time a container's netns socket (Docker's resolver) could not be opened, and why. */
  lastDockerError?: { at: string; id: string; message: string };
}

/**
 * DnsRelay answers sandboxed containers on their network's gateway address as Docker's embedded
 * DNS answers them: each query goes first to 127.0.0.11 inside the container's own netns; when
 * Docker cannot answer (after `runsc start` that netns has no route out, so Docker's resolver
 * stays silent for external names: measured in docs/dns.md) it goes to the container's upstream
 * resolvers. Only registered (gateway, source) pairs get answers.
 */
export class DnsRelay {
  readonly registry = new Registry();
  readonly counters: RelayCounters = { unregistered: 0, malformed: 0, rateLimited: 0, unanswered: 0 };
  readonly health: RelayHealth = {};
  private readonly listeners = new Map<string, Listener>();
  private readonly states = new Map<string, ContainerState>();
  private readonly upstream: UpstreamClient;
  private readonly opener = new Limiter(4);
  /** Truncated answers re-asked over TCP in a netns each cost an nsenter child: at most two at a time. */
  private readonly tcpOpener = new Limiter(2);
  private readonly port: number;
  private readonly embedded: { address: string; port: number };
  private readonly log: (msg: string) => void;

  constructor(private readonly o: RelayOptions) {
    this.port = o.port ?? 53;
    this.upstream = new UpstreamClient(o.upstreamPort ?? 53, o.upstreamTimeoutMs ?? 2000, BUFFER_BYTES);
    this.embedded = o.embeddedDns ?? { address: EMBEDDED_DNS, port: 53 };
    this.log = o.log ?? (() => undefined);
  }

  /** register adds or replaces a container and listens on its gateways. */
  async register(reg: Registration): Promise<void> {
    this.states.get(reg.id)?.channel?.then(
      (c) => c.close(),
      () => undefined,
    );
    const { opened, closed } = this.registry.add(reg);
    this.states.set(reg.id, {
      dropsRate: 0,
      dropsMalformed: 0,
      answeredDocker: 0,
      answeredUpstream: 0,
      answeredCache: 0,
      deniedNames: 0,
      rebindDropped: 0,
      learned: 0,
      learnFailed: 0,
    });
    await Promise.all(closed.map((gw) => this.closeListener(gw)));
    await Promise.all(opened.map((gw) => this.openListener(gw)));
    this.log(`registered ${reg.id.slice(0, 12)}: ${reg.addresses.join(',')} via ${reg.gateways.join(',')}, upstreams ${reg.upstreams.join(',') || 'none'}`);
    // Open the netns socket a little later: its Node child would compete for the CPU with the
    // container's own start (docs/dns.md); a query before then opens it at once.
    setTimeout(() => {
      if (this.registry.get(reg.id)?.reg === reg)
        this.channel(reg.id, false)?.catch((err: Error) => this.log(`container ${reg.id.slice(0, 12)}: ${err.message}`));
    }, this.o.openDelayMs ?? 1000).unref();
  }

  /** unregister forgets a container and stops listening on gateways nobody uses. */
  async unregister(id: string): Promise<void> {
    if (!this.registry.get(id)) return;
    this.states.get(id)?.channel?.then(
      (c) => c.close(),
      () => undefined,
    );
    this.states.delete(id);
    const { closed } = this.registry.remove(id);
    await Promise.all(closed.map((gw) => this.closeListener(gw)));
    this.log(`unregistered ${id.slice(0, 12)}`);
  }

  /** listening lists the gateway addresses, whether binding them worked, and whether forged sources are kept out. */
  listening(): { address: string; error?: string; guard?: GuardState }[] {
    return [...this.listeners.entries()].map(([address, l]) => {
      const guard = this.o.guard?.stateOf(address);
      return { address, ...(l.error ? { error: l.error } : {}), ...(guard ? { guard } : {}) };
    });
  }

  /** stateOf returns a container's counters. */
  stateOf(id: string): ContainerState | undefined {
    return this.states.get(id);
  }

  /** close stops every listener and channel. */
  async close(): Promise<void> {
    for (const id of this.registry.entries().map((e) => e.reg.id)) await this.unregister(id);
    this.upstream.close();
    this.o.guard?.close();
  }

  private channel(id: string, urgent = true): Promise<IdChannel> | undefined {
    const entry = this.registry.get(id);
    const st = this.states.get(id);
    if (!entry || !st) return undefined;
    if (!st.channel) {
      const open = this.o.openDockerSocket ?? ((r: Registration) => openNetnsUdpSocket(r.netns, this.netnsOptions()));
      st.channel = this.opener
        .run(() => open(entry.reg), urgent)
        .then(async (s) => {
          enlargeBuffers(s);
          const ch = new IdChannel(s, 5000, this.o.embeddedSlowMs);
          await ch.connectTo(this.embedded.address, this.embedded.port);
          if (this.states.get(id) === st) st.open = ch;
          else ch.close(); // unregistered meanwhile
          return ch;
        });
      st.channel.catch((err: Error) => {
        this.health.lastDockerError = { at: new Date().toISOString(), id, message: err.message };
        if (this.states.get(id) === st) st.channel = undefined; // retried on the next query
      });
    }
    return st.channel;
  }

  private netnsOptions(): { nsenter: string; node?: string; childSource?: string } {
    return {
      nsenter: this.o.nsenter,
      ...(this.o.node ? { node: this.o.node } : {}),
      ...(this.o.childSource !== undefined ? { childSource: this.o.childSource } : {}),
    };
  }

  private async openListener(gw: string): Promise<void> {
    const udp = createSocket({ type: 'udp4', recvBufferSize: BUFFER_BYTES, sendBufferSize: BUFFER_BYTES });
    const connections = new Set<TcpSocket>();
    const tcp = createServer((c) => {
      connections.add(c);
      c.once('close', () => connections.delete(c));
      this.onTcp(gw, c);
    });
    const listener: Listener = { udp, tcp, connections };
    this.listeners.set(gw, listener);
    udp.on('message', (msg, rinfo) => this.onUdp(gw, udp, msg, rinfo.address, rinfo.port));
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: gw, port: this.port, exclusive: true }, () => resolve());
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: gw, port: this.port, exclusive: true }, () => resolve());
      });
      udp.on('error', (err) => this.log(`udp ${gw}: ${err.message}`));
      tcp.on('error', (err) => this.log(`tcp ${gw}: ${err.message}`));
      const guard = this.o.guard?.protect(gw);
      if (guard && !guard.guarded) this.log(`${gw}: forged sources are not kept out: ${guard.reason}`);
    } catch (err) {
      listener.error = (err as Error).message;
      this.log(`cannot listen on ${gw}:${this.port}: ${listener.error}`);
    }
  }

  private async closeListener(gw: string): Promise<void> {
    const l = this.listeners.get(gw);
    if (!l) return;
    this.listeners.delete(gw);
    this.o.guard?.release(gw);
    try {
      l.udp.close();
    } catch {
      // never bound
    }
    const closed = new Promise<void>((resolve) => l.tcp.close(() => resolve()));
    for (const c of l.connections) c.destroy(); // a deleted sandbox's half-open connection would hold close() for 10 s
    await closed;
  }

  private admit(gw: string, source: string, msg: Buffer): { entry: Entry; question: Question } | undefined {
    const entry = this.registry.lookup(gw, source);
    if (!entry) {
      this.counters.unregistered++;
      return undefined; // never an open resolver: silence for addresses msb did not register
    }
    const st = this.states.get(entry.reg.id);
    if (!entry.bucket.take()) {
      this.counters.rateLimited++;
      if (st) st.dropsRate++;
      return undefined;
    }
    const check = checkQuery(msg);
    if (!check.ok) {
      this.counters.malformed++;
      if (st) st.dropsMalformed++;
      return undefined;
    }
    entry.queries++;
    return { entry, question: check.question };
  }

  private onUdp(gw: string, udp: UdpSocket, msg: Buffer, address: string, port: number): void {
    const admitted = this.admit(gw, address, msg);
    if (!admitted) return;
    this.resolve(admitted.entry, msg, admitted.question, (reply) => {
      // A slow (upstream) answer can arrive after the gateway's last container was deleted and
      // its socket closed: dgram's send would then throw out of the answer's handler.
      if (this.listeners.get(gw)?.udp !== udp) return;
      try {
        udp.send(reply, port, address);
      } catch (err) {
        this.log(`udp ${gw}: cannot answer ${address}:${port}: ${(err as Error).message}`);
      }
    });
  }

  private onTcp(gw: string, conn: TcpSocket): void {
    const source = conn.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    if (!this.registry.lookup(gw, source)) {
      this.counters.unregistered++;
      conn.destroy();
      return;
    }
    conn.setTimeout(10_000, () => conn.destroy());
    conn.on('error', () => undefined);
    const framer = new TcpFramer(
      (msg) => {
        const admitted = this.admit(gw, source, msg);
        if (!admitted) return;
        this.resolve(admitted.entry, msg, admitted.question, (reply, origin) => {
          if (!readHeader(reply)?.truncated) return void conn.write(TcpFramer.frame(reply));
          // The answer did not fit a datagram: ask the same resolver again over TCP.
          this.askOverTcp(admitted.entry.reg, origin, msg).then(
            (full) => conn.write(TcpFramer.frame(full ?? reply)),
            () => conn.write(TcpFramer.frame(reply)),
          );
        });
      },
      () => conn.destroy(),
    );
    conn.on('data', (d: Buffer) => framer.push(d));
  }

  private async askOverTcp(reg: Registration, origin: Origin, query: Buffer): Promise<Buffer | undefined> {
    if (origin === 'docker') {
      const connect = this.o.connectDockerTcp ?? ((r: Registration) => connectNetnsTcp(r.netns, this.netnsOptions()));
      return this.tcpOpener.run(async () => tcpExchange(await connect(reg), query, 5000));
    }
    return this.upstream.askTcp(reg.upstreams, query);
  }

  /**
   * resolve asks Docker's embedded DNS in the container's netns and, when it says nothing within
   * a few times its usual reply time (or fails), the upstreams. The first usable answer wins.
   */
  private resolve(entry: Entry, query: Buffer, question: Question, reply: (msg: Buffer, origin: Origin) => void): void {
    const egress = entry.reg.egress;
    if (egress) return this.resolveUnderEgress(entry, egress, query, question, reply);
    this.resolveAny(entry, query, question, reply, true);
  }

  /**
   * resolveUnderEgress answers only what the container's profile allows (docs/egress.md): a denied
   * name, or under a profile that reaches nothing by address a name Docker's resolver does not
   * know as a peer, is NXDOMAIN and never leaves the host; an upstream answer pointing a public
   * name at a non-public address is NXDOMAIN under rebind protection; an answer for a name an
   * allow rule names has its addresses put in that rule's set, for the TTL, before it is sent.
   */
  private resolveUnderEgress(entry: Entry, egress: EgressNames, query: Buffer, question: Question, reply: (msg: Buffer, origin: Origin) => void): void {
    const st = this.states.get(entry.reg.id);
    const tell = (reason: DeniedLookup['reason'], detail: { rule?: string; address?: string } = {}): void =>
      this.o.onDenied?.({
        time: new Date().toISOString(),
        id: entry.reg.id,
        name: question.name.replace(/\.$/, ''),
        type: queryTypeName(question.type),
        reason,
        ...detail,
      });
    const refuse = (rule?: string): void => {
      if (st) st.deniedNames++;
      tell(rule ? 'denied' : 'not-a-peer', rule ? { rule } : {});
      reply(buildResponse(query, [], { rcode: Rcode.NXDOMAIN }), 'docker');
    };
    const verdict: NameVerdict = nameVerdict(egress, question.name);
    if (verdict.kind === 'deny') return refuse(verdict.rule);
    const peersOnly = verdict.kind === 'peers-only';
    if (peersOnly && !egress.peers) return refuse();
    // An answer that passed the filter and taught no set may be reused like any other (≤ cacheMs,
    // never past its TTL): the verdict is the profile's, fixed for the registration. An answer
    // whose addresses were learned is never reused: each one re-adds them for its own TTL, which
    // a client counts from when it got the answer.
    const reusable = peersOnly || !verdict.set;
    const cached = reusable ? entry.cache.get(query) : undefined;
    if (cached) {
      this.health.lastAnsweredAt = new Date().toISOString();
      if (st) st.answeredCache++;
      return reply(cached, 'docker');
    }
    const passed = (msg: Buffer, origin: Origin): void => {
      if (reusable) entry.cache.put(query, msg);
      reply(msg, origin);
    };
    this.resolveAny(
      entry,
      query,
      question,
      (msg, origin) => {
        const aRecords = (readAnswers(msg) ?? []).filter((r) => r.type === 1);
        const v4 = aRecords.map((r) => r.data);
        if (peersOnly) {
          // Only Docker's own answers for the peers: anything else is a name the profile does not reach.
          // (An empty NOERROR from Docker, e.g. AAAA of a peer, carries no address and passes.)
          const peerAnswer =
            origin === 'docker' && readHeader(msg)?.rcode === Rcode.NOERROR && v4.every((a) => isPeer(egress, a)) && (v4.length > 0 || question.type !== 1);
          if (!peerAnswer) return refuse();
          return passed(msg, origin);
        }
        const rebind = origin === 'upstream' && egress.dnsRebindProtection ? rebindViolation(v4) : undefined;
        if (rebind !== undefined) {
          if (st) st.rebindDropped++;
          tell('rebind', { address: rebind });
          return reply(buildResponse(query, [], { rcode: Rcode.NXDOMAIN }), origin);
        }
        if (verdict.kind !== 'answer' || !verdict.set || v4.length === 0) return passed(msg, origin);
        const ttl = Math.max(MIN_LEARN_SECONDS, ...aRecords.map((r) => r.ttl));
        const learn =
          this.o.learn ?? ((_s: string, _a: string[], _t: number, done: (e?: string) => void) => done('this relay has no nft to learn addresses with'));
        learn(verdict.set, [...new Set(v4)], ttl, (error) => {
          if (error) {
            // Never hand out an address the container could not reach: the lookup fails instead.
            if (st) st.learnFailed++;
            this.log(`container ${entry.reg.id.slice(0, 12)}: cannot allow ${v4.join(',')} for ${question.name}: ${error}`);
            return reply(buildResponse(query, [], { rcode: Rcode.SERVFAIL }), origin);
          }
          if (st) st.learned++;
          reply(msg, origin);
        });
      },
      !peersOnly,
      false,
    );
  }

  private resolveAny(
    entry: Entry,
    query: Buffer,
    question: Question,
    reply: (msg: Buffer, origin: Origin) => void,
    upstreamAllowed: boolean,
    useCache = true,
  ): void {
    const st = this.states.get(entry.reg.id);
    const cached = useCache ? entry.cache.get(query) : undefined;
    if (cached) {
      this.health.lastAnsweredAt = new Date().toISOString();
      if (st) st.answeredCache++;
      return reply(cached, 'docker');
    }
    let done = false;
    let upstreamAsked = false;
    // Unanswered means both paths ended with nothing: the upstreams are asked while Docker is
    // still slow, and Docker's late answer still counts.
    let dockerPending = false;
    let upstreamPending = false;
    const finish = (msg: Buffer | undefined, origin: Origin): void => {
      if (done || !msg) return;
      done = true;
      this.health.lastAnsweredAt = new Date().toISOString();
      if (st) st[origin === 'docker' ? 'answeredDocker' : 'answeredUpstream']++;
      if (useCache) entry.cache.put(query, msg);
      reply(msg, origin);
    };
    const giveUpIfNothingLeft = (): void => {
      if (done || dockerPending || upstreamPending) return;
      done = true;
      this.counters.unanswered++;
      this.health.lastUnansweredAt = new Date().toISOString();
    };
    const toUpstream = (): void => {
      if (!upstreamAllowed) {
        // Nothing may go upstream: a name Docker's resolver did not answer is unknown to the
        // container. Docker answers its own names at once; one it is still forwarding after
        // PEERS_ONLY_WAIT_MS is not a peer's.
        if (done) return;
        const refuse = (): void => {
          if (done) return;
          done = true;
          reply(buildResponse(query, [], { rcode: Rcode.NXDOMAIN }), 'upstream');
        };
        if (dockerPending) setTimeout(refuse, PEERS_ONLY_WAIT_MS).unref();
        else refuse();
        return;
      }
      if (done || upstreamAsked) return giveUpIfNothingLeft();
      upstreamAsked = true;
      upstreamPending = true;
      this.upstream.ask(entry.reg.upstreams, query, question, (msg) => {
        upstreamPending = false;
        if (msg) finish(msg, 'upstream');
        else giveUpIfNothingLeft();
      });
    };
    const viaDocker = (ch: IdChannel): void => {
      dockerPending = true;
      const sent = ch.ask(
        query,
        question,
        this.embedded.address,
        this.embedded.port,
        (msg) => {
          dockerPending = false;
          const rcode = msg ? readHeader(msg)?.rcode : undefined;
          if (msg && rcode !== Rcode.SERVFAIL && rcode !== Rcode.REFUSED && rcode !== Rcode.NOTIMP) finish(msg, 'docker');
          else toUpstream();
        },
        toUpstream,
      );
      if (!sent) {
        dockerPending = false;
        toUpstream();
      }
    };
    if (st?.open) return viaDocker(st.open);
    const channel = this.channel(entry.reg.id);
    if (!channel) return toUpstream();
    channel.then(viaDocker, toUpstream);
  }
}
