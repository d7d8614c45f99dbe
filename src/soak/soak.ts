// npm run soak (outside CI; run it through the Docker lock): MSB_SOAK_ROUNDS rounds (default 5) of
// concurrent `docker run --rm` under msb, detached runs removed with `docker rm -f`, kill -9 of
// msb's create while it runs, and kill -9 of the DNS relay, with a leak check after each round
// (msb records, runsc processes and state, mounts, relay registrations, containers, networks).
// Prints a summary and exits 1 on any failure or leak. docs/soak.md has the last report.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relayStatus } from '../dns/relay-client.js';

const PREFIX = `msb-soak-${process.pid}`;
const IMAGE = process.env.MSB_SOAK_IMAGE ?? 'local/busybox';
const RUNTIME = process.env.MSB_SOAK_RUNTIME ?? 'msb';
const ROUNDS = Number(process.env.MSB_SOAK_ROUNDS ?? 5);
const CONCURRENT = Number(process.env.MSB_SOAK_CONCURRENT ?? 8);
const DETACHED = Number(process.env.MSB_SOAK_DETACHED ?? 4);
const CREATE_KILLS = Number(process.env.MSB_SOAK_CREATE_KILLS ?? 2);
const MSB_ROOT = '/var/run/docker/runtime-runc/moby/msb';
const NET = `${PREFIX}-net`;
const PEER = `${PREFIX}-peer`;
const CIDS = mkdtempSync(join(tmpdir(), 'msb-soak-'));
/** ours holds every container id the soak made (from --cidfile), so leaks of others are not counted. */
const ours = new Set<string>();
let cidN = 0;
/** cid returns --cidfile arguments and a function that records the id Docker wrote. */
function cid(): { args: string[]; keep: () => void } {
  const file = join(CIDS, String(cidN++));
  return {
    args: ['--cidfile', file],
    keep: () => {
      try {
        ours.add(readFileSync(file, 'utf8').trim());
      } catch {
        // docker failed before writing it
      }
    },
  };
}

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    child.on('error', (err) => resolve({ status: -1, stdout, stderr: err.message }));
  });
}
const docker = (...args: string[]): Promise<Result> => run('docker', args);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Tally is what the soak counted. */
interface Tally {
  rounds: number;
  runs: number;
  kills: { create: number; relay: number };
  failures: string[];
  leaks: string[];
}

/** processes lists host processes' pid and command line. */
function processes(): { pid: number; args: string }[] {
  const out: { pid: number; args: string }[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      out.push({ pid: Number(p), args: readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone
    }
  }
  return out;
}

async function concurrentRuns(t: Tally, round: number): Promise<void> {
  const cids = Array.from({ length: CONCURRENT }, () => cid());
  const runs = cids.map((c, i) => docker('run', '--rm', ...c.args, `--runtime=${RUNTIME}`, '--name', `${PREFIX}-r${round}-${i}`, IMAGE, 'sh', '-c', 'echo ok'));
  const results = await Promise.all(runs);
  for (const c of cids) c.keep();
  for (const [i, r] of results.entries()) {
    t.runs++;
    if (r.status !== 0 || r.stdout.trim() !== 'ok')
      t.failures.push(`round ${round}: docker run --rm #${i}: exit ${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
}

async function detachedRuns(t: Tally, round: number): Promise<void> {
  const names = Array.from({ length: DETACHED }, (_, i) => `${PREFIX}-d${round}-${i}`);
  const started = await Promise.all(names.map((n) => docker('run', '-d', `--runtime=${RUNTIME}`, '--name', n, IMAGE, 'sleep', '600')));
  for (const [i, r] of started.entries()) {
    t.runs++;
    if (r.status === 0) ours.add(r.stdout.trim());
    if (r.status !== 0) t.failures.push(`round ${round}: docker run -d #${i}: exit ${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
  const removed = await docker('rm', '-f', ...names);
  if (removed.status !== 0) t.failures.push(`round ${round}: docker rm -f: ${removed.stderr.trim()}`);
}

/** killDuringCreate starts a container and kill -9s msb's create for its id as soon as it appears. */
async function killDuringCreate(t: Tally, round: number, i: number): Promise<void> {
  const name = `${PREFIX}-k${round}-${i}`;
  const created = await docker('create', `--runtime=${RUNTIME}`, '--name', name, IMAGE, 'sleep', '600');
  if (created.status !== 0) {
    t.failures.push(`round ${round}: docker create: ${created.stderr.trim()}`);
    return;
  }
  const id = created.stdout.trim();
  ours.add(id);
  const start = docker('start', name);
  let killed = false;
  for (let n = 0; n < 400 && !killed; n++) {
    const p = processes().find((x) => x.args.includes(' create ') && x.args.includes(id) && x.args.includes('msb-runtime'));
    if (p) {
      try {
        process.kill(p.pid, 'SIGKILL');
        killed = true;
      } catch {
        // ended first
      }
    }
    if (!killed) await sleep(5);
  }
  await start; // fails or succeeds: either way nothing may be left once it is removed
  if (killed) t.kills.create++;
  const removed = await docker('rm', '-f', name);
  if (removed.status !== 0) t.failures.push(`round ${round}: docker rm -f after kill -9 during create: ${removed.stderr.trim()}`);
}

/** killRelay kill -9s the DNS relay and checks that a sandbox resolves a peer's name again. */
async function killRelay(t: Tally, round: number): Promise<void> {
  const s = await relayStatus();
  if (s.running && typeof s.status.pid === 'number') {
    try {
      process.kill(s.status.pid, 'SIGKILL');
      t.kills.relay++;
    } catch {
      // gone already
    }
  }
  let ok = false;
  for (let n = 0; n < 5 && !ok; n++) {
    t.runs++;
    const c = cid();
    const r = await docker('run', '--rm', ...c.args, `--runtime=${RUNTIME}`, '--network', NET, IMAGE, 'nslookup', PEER);
    c.keep();
    ok = r.status === 0 && /Address/.test(r.stdout.split('Name:')[1] ?? '');
    if (!ok) await sleep(500);
  }
  if (!ok) t.failures.push(`round ${round}: after kill -9 of the relay, ${PEER} did not resolve in 5 tries`);
}

/** leaks lists what the soak's containers left behind. */
async function leaks(): Promise<string[]> {
  const found: string[] = [];
  const ps = await docker('ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}}');
  const live = new Set(
    ps.stdout
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter(Boolean),
  );
  for (const l of ps.stdout.split('\n').filter((x) => x.includes(PREFIX) && !x.endsWith(PEER))) found.push(`container ${l}`);
  const gone = (id: string): boolean => ours.has(id) && !live.has(id);
  const dir = (p: string): string[] => (existsSync(p) ? readdirSync(p) : []);
  for (const id of dir(join(MSB_ROOT, 'containers')).filter(gone)) found.push(`msb record ${id}`);
  for (const f of dir(join(MSB_ROOT, 'runsc')).filter((f) => gone(f.slice(0, 64)))) found.push(`runsc state ${f}`);
  for (const p of processes().filter((x) => x.args.startsWith('runsc') || x.args.includes('/runsc '))) {
    const id = /\b([0-9a-f]{64})\b/.exec(p.args)?.[1];
    if (id && gone(id)) found.push(`runsc process ${p.pid} for ${id.slice(0, 12)}`);
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const id = /([0-9a-f]{64})/.exec(line)?.[1];
    if (id && gone(id)) found.push(`mount ${line.split(' ')[4]}`);
  }
  const s = await relayStatus();
  if (s.running) for (const c of (s.status.containers ?? []) as { id: string }[]) if (gone(c.id)) found.push(`relay registration ${c.id.slice(0, 12)}`);
  const nets = await docker('network', 'ls', '--format', '{{.Name}}');
  for (const n of nets.stdout.split('\n').filter((x) => x.startsWith(PREFIX) && x !== NET)) found.push(`network ${n}`);
  return found;
}

async function main(): Promise<void> {
  const t: Tally = { rounds: 0, runs: 0, kills: { create: 0, relay: 0 }, failures: [], leaks: [] };
  const began = Date.now();
  await docker('network', 'create', NET);
  await docker('run', '-d', '--name', PEER, '--network', NET, IMAGE, 'sleep', '3600');
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      await Promise.all([concurrentRuns(t, round), detachedRuns(t, round), ...Array.from({ length: CREATE_KILLS }, (_, i) => killDuringCreate(t, round, i))]);
      await killRelay(t, round);
      t.rounds++;
      // Docker's removals finish asynchronously for --rm: give them a moment before counting.
      let left = await leaks();
      for (let n = 0; n < 20 && left.length > 0; n++) {
        await sleep(500);
        left = await leaks();
      }
      for (const l of left) t.leaks.push(`round ${round}: ${l}`);
      process.stdout.write(
        `round ${round}: ${t.runs} runs, ${t.kills.create} create kills, ${t.kills.relay} relay kills, ${t.failures.length} failures, ${t.leaks.length} leaks\n`,
      );
    }
  } finally {
    await docker('rm', '-f', PEER);
    await docker('network', 'rm', NET);
    rmSync(CIDS, { recursive: true, force: true });
  }
  const summary = {
    ...t,
    seconds: Math.round((Date.now() - began) / 1000),
    settings: { rounds: ROUNDS, concurrent: CONCURRENT, detached: DETACHED, createKills: CREATE_KILLS, runtime: RUNTIME },
  };
  process.stdout.write(
    `soak: ${t.rounds} rounds, ${t.runs} runs, ${t.kills.create + t.kills.relay} kills (create ${t.kills.create}, relay ${t.kills.relay}), ${t.failures.length} failures, ${t.leaks.length} leaks, ${summary.seconds} s\n`,
  );
  for (const f of [...t.failures, ...t.leaks]) process.stdout.write(`  ${f}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = t.failures.length + t.leaks.length > 0 ? 1 : 0;
}

void main();
