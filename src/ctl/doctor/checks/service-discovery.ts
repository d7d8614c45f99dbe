import { basename } from 'node:path';
import type { CheckStatus, DoctorCheck, FactValue, Finding } from '../check.js';
import type { DoctorContext } from '../context.js';
import { DOCTOR_LABEL, type DockerProbe } from '../docker-probe.js';
import { goBuildVersion } from '../go-build-info.js';
import type { DockerFacts } from '../host.js';
import { knownRunscIssues, type RunscIssue } from '../runsc-known-issues.js';

/** PROBE_IMAGE is the image of both throw-away containers (busybox: sleep, sh, nslookup). */
const PROBE_IMAGE = 'local/busybox';

/** LOOKUP_TIMEOUT_MS bounds the lookup container's whole life (busybox nslookup retries for ~15 s). */
const LOOKUP_TIMEOUT_MS = 25_000;

/** LEFTOVER_AGE_S: things labelled by a doctor run older than this were left by a killed doctor. */
const LEFTOVER_AGE_S = 600;

const MARK = '--- msb-doctor lookup ---';

/** lookupCommand prints the container's resolv.conf, then looks the peer up by name. */
function lookupCommand(peer: string): string[] {
  return ['sh', '-c', `cat /etc/resolv.conf; echo '${MARK}'; nslookup ${peer}`];
}

/** LookupOutcome is what one lookup container showed. */
export interface LookupOutcome {
  nameservers: string[];
  /** resolved: the peer's address was in nslookup's answer. */
  resolved: boolean;
  /** answer is nslookup's output, trimmed, for the detail. */
  answer: string;
}

/** readLookup reads a lookup container's output against the peer's address. */
export function readLookup(output: string, peerAddress: string): LookupOutcome {
  const at = output.indexOf(MARK);
  const resolv = at < 0 ? output : output.slice(0, at);
  const answer = at < 0 ? '' : output.slice(at + MARK.length).trim();
  const nameservers = [...resolv.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1] ?? '');
  // busybox prints the server first ("Server: … Address: 172.x.0.1:53"), then "Name: peer / Address: …".
  const afterName = answer.slice(Math.max(0, answer.search(/^Name:/m)));
  const resolved = peerAddress !== '' && /^Name:/m.test(answer) && new RegExp(`(^|[\\s:])${peerAddress.replace(/\./g, '\\.')}($|\\s)`, 'm').test(afterName);
  return { nameservers, resolved, answer };
}

/** discoveryRuntime is the runtime name to test: the one asked for, else "msb", else the first name that points at msb-runtime. */
export function discoveryRuntime(docker: DockerFacts, asked: string | undefined): { name: string } | { missing: string } {
  if (asked !== undefined) return docker.runtimes[asked] ? { name: asked } : { missing: `runtime ${asked} is not registered with the engine` };
  const names = Object.entries(docker.runtimes)
    .filter(([, r]) => basename(r.path ?? '') === 'msb-runtime')
    .map(([n]) => n)
    .sort();
  if (names.includes('msb')) return { name: 'msb' };
  return names[0] === undefined ? { missing: 'no runtime name points at msb-runtime (see msb-runtime)' } : { name: names[0] };
}

/** Diagnosis is why discovery failed, said from what the containers showed. */
export interface Diagnosis {
  summary: string;
  fix: string;
}

/**
 * diagnose explains a failed lookup under msb from its resolv.conf, the network's gateway and a runc
 * reference; dockerMajor only orders the likely causes when the files cannot tell them apart.
 */
export function diagnose(msb: LookupOutcome, gateway: string, reference: LookupOutcome | undefined, dockerMajor = 0): Diagnosis {
  if (reference && !reference.resolved) {
    return {
      summary: "Docker's own DNS did not resolve the peer for a runc container either: the engine's embedded DNS (127.0.0.11) is broken here, not msb",
      fix: 'check dockerd (its log, iptables rules inside containers, a restart of docker); msb can only relay what Docker answers',
    };
  }
  const ns = msb.nameservers.join(', ') || 'none';
  if (msb.nameservers.includes('127.0.0.11')) {
    return {
      summary: `msb did not take over resolv.conf (nameserver ${ns}): gVisor's netstack owns 127.0.0.11, so every container name is NXDOMAIN`,
      fix: 'update msb (Docker 28 and newer set up the network after create; msb must finish DNS at start), or run containers that need names under runc meanwhile',
    };
  }
  if (gateway !== '' && !msb.nameservers.includes(gateway)) {
    // Both causes leave the upstream resolvers in resolv.conf; only the runtime's debug log tells them apart.
    const late = 'Docker 28 and newer configure the network and write resolv.conf after create, where this msb looks';
    const off = 'policy dns.relay is false for this runtime name';
    return {
      summary: `msb did not register the container with its DNS relay: resolv.conf names ${ns}, not the network's gateway ${gateway} (likely: ${dockerMajor >= 28 ? `${late}; or ${off}` : `${off}; or ${late}`})`,
      fix:
        'remove "relay": false from the policy if set; on Docker 28 or newer, update msb to one that finishes DNS at start; ' +
        'register the name with --runtime-arg=--debug to read why in the container log (lines starting "dns:")',
    };
  }
  return {
    summary: `the DNS relay on ${gateway || ns} did not answer the peer's name`,
    fix: 'msbctl dns status (is it running, listening on that gateway?); see the dns-relay check and docs/dns.md',
  };
}

/** DiscoveryResult is the probe's verdict: resolved, or why not. */
type DiscoveryResult = { resolved: true; nameservers: string[]; gateway: string } | { resolved: false; summary: string; fix: string; detail: string };

/** Names of one probe run: a network and three containers, unique to it. */
function probeNames(token: string): { network: string; peer: string; client: string; reference: string } {
  const base = `msb-doctor-${token}`;
  return { network: base, peer: `${base}-peer`, client: `${base}-msb`, reference: `${base}-runc` };
}

/**
 * probeDiscovery: a runc peer sleeps on a throw-away network; a container under `runtime` looks it
 * up by name. On failure a runc container does the same lookup, to tell Docker's fault from msb's.
 * Everything it made is removed before it returns, whatever happened (cleanup problems are thrown).
 */
async function probeDiscovery(probe: DockerProbe, runtime: string, token: string, dockerMajor = 0): Promise<DiscoveryResult> {
  const names = probeNames(token);
  const labels = { [DOCTOR_LABEL]: token };
  const container = (name: string, rt: string, cmd: string[]) => ({ name, image: PROBE_IMAGE, runtime: rt, network: names.network, cmd, labels });
  let result: DiscoveryResult | undefined;
  let failure: unknown;
  try {
    const gateway = await probe.createNetwork(names.network, labels);
    // The peer lives at most as long as the lookup may take, so a doctor killed midway leaves nothing running for long.
    await probe.startContainer(container(names.peer, 'runc', ['sleep', String(LOOKUP_TIMEOUT_MS / 1000 + 30)]));
    const peerAddress = await probe.addressOn(names.peer, names.network);
    const run = await probe.runContainer(container(names.client, runtime, lookupCommand(names.peer)), LOOKUP_TIMEOUT_MS);
    const msb = readLookup(run.output, peerAddress);
    if (msb.resolved) {
      result = { resolved: true, nameservers: msb.nameservers, gateway };
    } else {
      const ref = await probe.runContainer(container(names.reference, 'runc', lookupCommand(names.peer)), LOOKUP_TIMEOUT_MS);
      const reference = readLookup(ref.output, peerAddress);
      const ended = run.exitCode === null ? `did not finish within ${LOOKUP_TIMEOUT_MS / 1000} s` : `exited ${run.exitCode}`;
      const d = diagnose(msb, gateway, reference, dockerMajor);
      result = {
        resolved: false,
        ...d,
        detail: [
          `peer ${names.peer} (runc) at ${peerAddress || '?'} on ${names.network} (gateway ${gateway || '?'})`,
          `under ${runtime}: lookup ${ended}; resolv.conf nameservers: ${msb.nameservers.join(', ') || 'none'}`,
          ...msb.answer.split('\n').map((l) => `  ${l}`),
          `under runc: ${reference.resolved ? 'resolved' : 'NOT resolved'} (nameservers ${reference.nameservers.join(', ') || 'none'})`,
        ].join('\n'),
      };
    }
  } catch (err) {
    failure = err;
  }
  const cleanup: string[] = [];
  for (const name of [names.client, names.reference, names.peer]) {
    await probe.removeContainer(name).catch((err: unknown) => cleanup.push(`container ${name}: ${(err as Error).message}`));
  }
  await probe.removeNetwork(names.network).catch((err: unknown) => cleanup.push(`network ${names.network}: ${(err as Error).message}`));
  if (cleanup.length > 0)
    throw new Error(`could not remove what the probe made: ${cleanup.join('; ')}${failure ? ` (after: ${(failure as Error).message})` : ''}`);
  if (failure !== undefined) throw failure;
  if (!result) throw new Error('the probe ended without a result');
  return result;
}

/** removeLeftovers removes what killed doctor runs left (labelled, older than LEFTOVER_AGE_S); returns how many. */
async function removeLeftovers(probe: DockerProbe, now: number): Promise<number> {
  const old = (await probe.leftovers()).filter((l) => now - l.created > LEFTOVER_AGE_S);
  for (const l of old.filter((x) => x.kind === 'container')) await probe.removeContainer(l.id);
  for (const l of old.filter((x) => x.kind === 'network')) await probe.removeNetwork(l.id);
  return old.length;
}

function runscFacts(ctx: DoctorContext): { line: string; issues: RunscIssue[]; facts: Record<string, FactValue> } {
  const runsc = ctx.runsc();
  if ('missing' in runsc) return { line: 'runsc: none (see runsc)', issues: [], facts: { runscVersion: null, runscGo: null } };
  let go: string | undefined;
  try {
    go = goBuildVersion(ctx.host.readBytes(runsc.path));
  } catch {
    go = undefined;
  }
  return {
    line: `runsc ${runsc.version.raw}${go ? ` (${go})` : ''}`,
    issues: knownRunscIssues(runsc.version, go),
    facts: { runscVersion: runsc.version.raw, runscGo: go ?? null },
  };
}

function withRunscIssues(finding: Finding, issues: RunscIssue[]): Finding {
  const warnings = issues.filter((i) => i.severity === 'warn');
  const notes = issues.filter((i) => i.severity === 'note');
  const detail = [finding.detail, ...warnings.map((i) => `WARNING: ${i.text}`), ...notes.map((i) => `note: ${i.text} (${i.fix})`)].filter(Boolean).join('\n');
  const facts = { ...finding.facts, runscIssues: issues.map((i) => i.id).join(' ') };
  if (warnings.length === 0) return { ...finding, ...(detail ? { detail } : {}), facts };
  const status: CheckStatus = finding.status === 'fail' ? 'fail' : 'warn';
  return {
    ...finding,
    status,
    summary: `${finding.summary}; ${warnings.map((i) => i.text).join('; ')}`,
    detail,
    fix: [finding.fix, ...warnings.map((i) => i.fix)].filter(Boolean).join('; '),
    facts,
  };
}

/**
 * serviceDiscoveryCheck proves service discovery end to end on the engine doctor talks to: a
 * container under msb on a throw-away network resolves a runc peer by name (docs/dns.md). It names
 * the Docker, containerd and runsc it ran on, and warns about runsc builds known to fail.
 */
export const serviceDiscoveryCheck: DoctorCheck<DoctorContext> = {
  id: 'service-discovery',
  async run(ctx): Promise<Finding> {
    const docker = await ctx.docker();
    if (docker instanceof Error) return { status: 'skip', summary: 'no Docker engine answers (see docker-engine)' };
    const runsc = runscFacts(ctx);
    const stack = `Docker ${docker.serverVersion}, containerd ${docker.containerdVersion || '?'}, ${runsc.line}`;
    const facts: Record<string, FactValue> = { dockerVersion: docker.serverVersion, containerdVersion: docker.containerdVersion || null, ...runsc.facts };
    const runtime = discoveryRuntime(docker, ctx.options.runtime);
    if ('missing' in runtime) {
      if (ctx.options.runtime === undefined) return withRunscIssues({ status: 'skip', summary: `${stack}: ${runtime.missing}`, facts }, runsc.issues);
      return {
        status: 'fail',
        summary: `${stack}: ${runtime.missing}`,
        fix: `register it (shim/msbctl install --name ${ctx.options.runtime}) or name another with --runtime`,
        facts,
      };
    }
    facts.runtime = runtime.name;
    const probe = ctx.host.dockerProbe();
    if (!(await probe.imageExists(PROBE_IMAGE))) {
      return withRunscIssues(
        {
          status: 'skip',
          summary: `${stack}: image ${PROBE_IMAGE} is missing, so the lookup was not tried`,
          detail: `build it from the checkout: scripts/build-images.sh (or: docker pull busybox && docker tag busybox ${PROBE_IMAGE})`,
          facts,
        },
        runsc.issues,
      );
    }
    // A leftover that cannot be removed now is tried again next run; it does not decide this one.
    const removed = await removeLeftovers(probe, ctx.host.now() / 1000).catch(() => 0);
    const token = ctx.host.randomToken();
    let result: DiscoveryResult;
    try {
      result = await probeDiscovery(probe, runtime.name, token, Number.parseInt(docker.serverVersion, 10) || 0);
    } catch (err) {
      return withRunscIssues(
        {
          status: 'fail',
          summary: `${stack}: the discovery probe under ${runtime.name} failed: ${(err as Error).message}`,
          fix: `the message names the step that failed; a runtime error there is create's (see the checks above, and docker run --runtime=${runtime.name} local/busybox true)`,
          facts,
        },
        runsc.issues,
      );
    }
    const swept = removed > 0 ? `removed ${removed} leftover(s) of an interrupted doctor run` : '';
    facts.resolved = result.resolved;
    if (result.resolved) {
      facts.nameserver = result.nameservers.join(' ');
      return withRunscIssues(
        {
          status: 'ok',
          summary: `${stack}: a container under ${runtime.name} resolved a runc peer by name on a throw-away network (nameserver ${result.nameservers.join(', ')})`,
          ...(swept ? { detail: swept } : {}),
          facts,
        },
        runsc.issues,
      );
    }
    return withRunscIssues(
      {
        status: 'fail',
        summary: `${stack}: a container under ${runtime.name} could NOT resolve a peer by name: ${result.summary}`,
        detail: [result.detail, swept].filter(Boolean).join('\n'),
        fix: result.fix,
        facts,
      },
      runsc.issues,
    );
  },
};
