// Checkpoint and restore of gVisor containers under msb (issue 11, docs/checkpoint.md): real
// Docker with experimental features, real runsc. One counter container carries most checks.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, dockerOk, dockerSkipReason, freshNetwork, msbLeftovers, waitUntil } from '../support/docker.js';

const experimental = docker(['info', '--format', '{{.ExperimentalBuild}}']).stdout.trim() === 'true';
const skipReason = dockerSkipReason() ?? (experimental ? undefined : 'dockerd runs without experimental features (scripts/provision.sh turns them on)');
if (skipReason) console.warn(`SKIP checkpoint suite: ${skipReason}`);
const redisMissing = skipReason === undefined && docker(['image', 'inspect', 'local/redis']).status !== 0;
if (redisMissing) console.warn('SKIP checkpoint of redis: image local/redis is missing (scripts/build-images.sh redis)');

const PREFIX = `msb-i11-cp-${process.pid}`;
const NET = `${PREFIX}-net`;
const COUNTER = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; echo $i >/tmp/n; sleep 0.2; done'];
const names: string[] = [];
const ids: string[] = [];
const dirs: string[] = [];

/** name is a container name of this run; a retried test (the compat suite retries once) first removes what its first attempt left. */
function name(what: string): string {
  const n = `${PREFIX}-${what}`;
  if (names.includes(n)) docker(['rm', '-f', n]);
  else names.push(n);
  return n;
}

/** counts reads the counter's stdout as Docker logged it (every run of the container, in order). */
function counts(c: string): number[] {
  return dockerOk(['logs', c])
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

const status = (c: string): string => dockerOk(['inspect', '--format', '{{.State.Status}}', c]).trim();
const idOf = (c: string): string => dockerOk(['inspect', '--format', '{{.Id}}', c]).trim();

/**
 * startFromCheckpoint is `docker start --checkpoint`. Docker before 26 uploads the checkpoint to
 * containerd's content store and fails now and then with "commit failed: content sha256:…: already
 * exists" (moby/moby#42900, whatever the runtime); the same command then succeeds, so it is run
 * once more on exactly that error (docs/checkpoint.md tells users the same).
 */
function startFromCheckpoint(args: string[]): ReturnType<typeof docker> {
  let r = docker(['start', ...args], { timeout: 60_000 });
  for (
    let attempt = 2;
    attempt <= 4 && r.status !== 0 && /failed to upload checkpoint to containerd: commit failed: content sha256:\w+: already exists/.test(r.stderr);
    attempt++
  ) {
    console.warn(`docker start ${args.join(' ')}: Docker's moby/moby#42900 (${r.stderr.trim()}); attempt ${attempt}`);
    spawnSync('sleep', ['1']);
    r = docker(['start', ...args], { timeout: 60_000 });
  }
  return r;
}

/**
 * DOCKER_28_RESTORE is Docker 28's refusal to start any container from a checkpoint: the daemon
 * bind-mounts /proc/0/ns/net (our reading: it sets the network up between the task's create and
 * start from the task's pid, which containerd's runc shim has not got for a restore until start).
 * Measured with Docker 28.5.2 / containerd 2.1.9 under msb and under runsc registered directly
 * alike (scripts/compat, docs/checkpoint.md).
 */
const DOCKER_28_RESTORE = /bind-mount \/proc\/0\/ns\/net -> \S+: no such file or directory/;

function startFromCheckpointOk(args: string[], ctx: { skip: () => void }): void {
  const r = startFromCheckpoint(args);
  if (r.status !== 0 && DOCKER_28_RESTORE.test(r.stderr)) {
    console.warn(
      `SKIP restore: Docker ${dockerOk(['version', '--format', '{{.Server.Version}}']).trim()} cannot start a container from a checkpoint, whatever the runtime: "${r.stderr.trim()}" (runsc registered directly fails the same way; docs/checkpoint.md)`,
    );
    ctx.skip();
  }
  if (r.status !== 0) throw new Error(`docker start ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
}

/**
 * resolvesPeer asks the container for the peer by name and returns what it saw last: the restored
 * sandbox must name msb's relay (the network's gateway) in resolv.conf and get the peer's address.
 * A few tries: the relay opens the container's netns socket at its first query (docs/dns.md).
 */
async function resolvesPeer(c: string, peer: string, peerIp: string): Promise<{ ok: boolean; resolv: string; lookup: string }> {
  let lookup = '';
  const ok = await waitUntil(() => (lookup = docker(['exec', c, 'nslookup', peer]).stdout).includes(peerIp), 10_000);
  const resolv = docker(['exec', c, 'cat', '/etc/resolv.conf']).stdout;
  return { ok, resolv, lookup: lookup.trim().replace(/\s+/g, ' ') };
}

async function countsPast(c: string, n: number): Promise<number[]> {
  let seen: number[] = [];
  await waitUntil(() => (seen = counts(c)).length > n + 2, 30_000);
  return seen;
}

afterAll(() => {
  if (names.length > 0) docker(['rm', '-f', ...names]);
  docker(['network', 'rm', NET]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  // Nothing is left behind by rm -f of a checkpointed and of a restored container.
  const left = ids.flatMap((id) => msbLeftovers(id));
  expect(left).toEqual([]);
});

describe.skipIf(skipReason !== undefined)('docker checkpoint under msb (gVisor)', () => {
  it('a counter resumes where it stopped (checkpoint with and without --leave-running) and still resolves a peer by name; checkpoint ls/rm', async (ctx) => {
    freshNetwork(NET);
    const peer = name('peer');
    dockerOk(['run', '-d', '--name', peer, '--network', NET, 'local/busybox', 'sleep', '600']);
    const c = name('counter');
    dockerOk(['run', '-d', '--runtime=msb', '--name', c, '--network', NET, 'local/busybox', ...COUNTER]);
    ids.push(idOf(c));
    await countsPast(c, 3);

    // Without --leave-running: the container stops; start --checkpoint goes on counting.
    const ipOf = (x: string): string => dockerOk(['inspect', '--format', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, x]).trim();
    const oldIp = ipOf(c);
    dockerOk(['checkpoint', 'create', c, 'cp1'], { timeout: 60_000 });
    expect(await waitUntil(() => status(c) === 'exited')).toBe(true);
    // Another container takes the address the checkpointed one had (Docker hands out the lowest
    // free one), so Docker gives the restored one a new address: the sandbox must take it (its
    // saved netstack had the old one) and register that one with the relay.
    const squatter = name('squatter');
    dockerOk(['run', '-d', '--name', squatter, '--network', NET, 'local/busybox', 'sleep', '600']);
    const before = counts(c);
    const last = before[before.length - 1] as number;
    startFromCheckpointOk(['--checkpoint', 'cp1', c], ctx);
    const after = (await countsPast(c, before.length)).slice(before.length);
    expect(after[0]).toBe(last + 1);
    expect(status(c)).toBe('running');
    const newIp = ipOf(c);
    if (newIp === oldIp)
      console.warn(
        `NOTE: Docker gave the restored container its old address ${oldIp} again (the squatter got ${ipOf(squatter)}); a new address after restore is not covered by this run`,
      );
    expect(dockerOk(['exec', c, 'ip', '-4', 'addr']).split(/\s+/)).toContain(
      `${newIp}/${dockerOk(['inspect', '--format', `{{(index .NetworkSettings.Networks "${NET}").IPPrefixLen}}`, c]).trim()}`,
    );

    // The restored sandbox is on the network Docker gave it, registered with the DNS relay: its
    // resolv.conf names the relay on the network's gateway and a peer resolves by name.
    const peerIp = ipOf(peer);
    const gateway = dockerOk(['network', 'inspect', '--format', '{{(index .IPAM.Config 0).Gateway}}', NET]).trim();
    const afterCp1 = await resolvesPeer(c, peer, peerIp);
    expect(afterCp1.resolv).toContain(`nameserver ${gateway}`);
    expect(afterCp1.lookup).toContain(peerIp);

    // --leave-running: it keeps counting; restoring that checkpoint later resumes from it, not from 0.
    const beforeCp2 = counts(c);
    dockerOk(['checkpoint', 'create', '--leave-running', c, 'cp2'], { timeout: 60_000 });
    const atCp2 = counts(c);
    expect(status(c)).toBe('running');
    const running = await countsPast(c, atCp2.length);
    expect(running.length).toBeGreaterThan(atCp2.length);
    expect(
      dockerOk(['checkpoint', 'ls', c])
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .filter(Boolean)
        .sort(),
    ).toEqual(['cp1', 'cp2']);
    dockerOk(['kill', c]);
    await waitUntil(() => status(c) === 'exited');
    const stopped = counts(c);
    startFromCheckpointOk(['--checkpoint', 'cp2', c], ctx);
    const resumed = (await countsPast(c, stopped.length)).slice(stopped.length);
    expect(resumed[0]).toBeGreaterThan(beforeCp2[beforeCp2.length - 1] as number);
    expect(resumed[0]).toBeLessThanOrEqual((atCp2[atCp2.length - 1] as number) + 1);
    const afterCp2 = await resolvesPeer(c, peer, peerIp);
    expect(afterCp2.resolv).toContain(`nameserver ${gateway}`);
    expect(afterCp2.lookup).toContain(peerIp);

    dockerOk(['checkpoint', 'rm', c, 'cp1']);
    expect(dockerOk(['checkpoint', 'ls', c])).not.toContain('cp1');
  }, 240_000);

  it('restores into a new container (docker create, then start --checkpoint --checkpoint-dir) after the original was removed', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'msb-i11-cpdir-'));
    dirs.push(dir);
    const a = name('orig');
    dockerOk(['run', '-d', '--runtime=msb', '--name', a, '--network', NET, 'local/busybox', ...COUNTER]);
    ids.push(idOf(a));
    await countsPast(a, 3);
    dockerOk(['checkpoint', 'create', '--checkpoint-dir', dir, a, 'moved'], { timeout: 60_000 });
    const last = counts(a).pop() as number;
    dockerOk(['rm', '-f', a]);
    const b = name('copy');
    dockerOk(['create', '--runtime=msb', '--name', b, '--network', NET, 'local/busybox', ...COUNTER]);
    ids.push(idOf(b));
    const started = startFromCheckpoint(['--checkpoint', 'moved', '--checkpoint-dir', dir, b]);
    if (/custom checkpointdir is not supported/.test(started.stderr)) {
      // Docker 20.10 writes a checkpoint to a custom directory but cannot start from one (docker/cli#3008).
      console.warn(
        `SKIP restore into a new container: Docker ${dockerOk(['version', '--format', '{{.Server.Version}}']).trim()} says "${started.stderr.trim()}" (docker/cli#3008)`,
      );
      ctx.skip();
    }
    expect(started.stderr).toBe('');
    const resumed = await countsPast(b, 0);
    expect(resumed[0]).toBe(last + 1);
  }, 120_000);

  it('docker rm -f of a checkpointed, a checkpointed-and-running and a restored container leaves nothing', async (ctx) => {
    const run = async (what: string): Promise<[string, string]> => {
      const c = name(what);
      dockerOk(['run', '-d', '--runtime=msb', '--name', c, '--network', NET, 'local/busybox', ...COUNTER]);
      const id = idOf(c);
      ids.push(id);
      await countsPast(c, 1);
      return [c, id];
    };
    const [stopped, stoppedId] = await run('rm-checkpointed');
    dockerOk(['checkpoint', 'create', stopped, 'cp'], { timeout: 60_000 });
    expect(await waitUntil(() => status(stopped) === 'exited')).toBe(true);
    const [running, runningId] = await run('rm-leave-running');
    dockerOk(['checkpoint', 'create', '--leave-running', running, 'cp'], { timeout: 60_000 });
    const [restored, restoredId] = await run('rm-restored');
    dockerOk(['checkpoint', 'create', restored, 'cp'], { timeout: 60_000 });
    expect(await waitUntil(() => status(restored) === 'exited')).toBe(true);
    startFromCheckpointOk(['--checkpoint', 'cp', restored], ctx);
    expect(status(restored)).toBe('running');
    // The restore's own files (the network snapshot among them) live in msb's record.
    expect(msbLeftovers(restoredId).some((l) => l.startsWith('msb record'))).toBe(true);
    dockerOk(['rm', '-f', stopped, running, restored]);
    expect([stoppedId, runningId, restoredId].flatMap((id) => msbLeftovers(id))).toEqual([]);
  }, 180_000);

  it.skipIf(redisMissing)(
    'redis keeps its keys across checkpoint and restore',
    async (ctx) => {
      const r = name('redis');
      dockerOk(['run', '-d', '--runtime=msb', '--name', r, 'local/redis']);
      ids.push(idOf(r));
      expect(await waitUntil(() => docker(['exec', r, 'redis-cli', 'ping']).stdout.trim() === 'PONG', 30_000)).toBe(true);
      dockerOk(['exec', r, 'redis-cli', 'mset', 'alpha', '1', 'beta', 'two', 'gamma', '3']);
      dockerOk(['checkpoint', 'create', r, 'keys'], { timeout: 60_000 });
      await waitUntil(() => status(r) === 'exited');
      startFromCheckpointOk(['--checkpoint', 'keys', r], ctx);
      expect(dockerOk(['exec', r, 'redis-cli', 'mget', 'alpha', 'beta', 'gamma']).trim().split('\n')).toEqual(['1', 'two', '3']);
    },
    120_000,
  );
});
