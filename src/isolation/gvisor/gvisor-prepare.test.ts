// prepare's steps without the order create runs them in: afterCreate reads the sandbox's pid from
// the request it is given, so it needs no create (or beginCreate) to have run in this process —
// as when the create helper ran runsc create (src/oci/create-helper/). A recording fake runsc
// stands in for runsc (test/support/fake-runsc.ts); real runsc is covered by test/lifecycle.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DNS_AT_START_FILE } from '../../dns/container-dns.js';
import { defaultGlobalOptions } from '../../oci/global-options.js';
import { planCreate } from '../../oci/commands/create.js';
import { makeFakeRunsc } from '../../../test/support/fake-runsc.js';

const base = mkdtempSync(join(tmpdir(), 'msb-gvisor-prepare-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const fake = makeFakeRunsc(join(base, 'fake'));

function plan(id: string): ReturnType<typeof planCreate> {
  const bundle = join(base, id, 'bundle');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  const dockerResolv = join(base, id, 'resolv.conf');
  writeFileSync(dockerResolv, 'nameserver 127.0.0.11\n');
  // No libnetwork-setkey hook (Docker 28+): the network comes after create, so DNS is finished at start.
  const spec = {
    ociVersion: '1.0.2-dev',
    process: { args: ['sleep', '60'], cwd: '/' },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/etc/resolv.conf', type: 'bind', source: dockerResolv, options: ['rbind'] }],
    linux: { namespaces: [{ type: 'pid' }, { type: 'network' }] },
  };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const policy = join(base, id, 'policy.json');
  writeFileSync(policy, JSON.stringify({ gvisor: { runsc: fake.path, rmemWorkaround: 'never' }, dns: { upstreams: ['9.9.9.9'] } }));
  const g = { ...defaultGlobalOptions(), root: join(base, id, 'root'), policy };
  const p = planCreate(g, id, { bundle });
  mkdirSync(p.paths.dir, { recursive: true });
  return p;
}

/** sandboxStandIn is a process in a network namespace of its own (afterCreate brings its lo up, as runsc's sandbox's), or undefined where none can be made. */
async function sandboxStandIn(): Promise<{ pid: number; stop(): void } | undefined> {
  if (spawnSync('unshare', ['--net', 'true']).status !== 0) return undefined;
  const child = spawn('unshare', ['--net', 'sleep', '60'], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) return undefined;
  const own = readlinkSync('/proc/self/ns/net');
  for (let i = 0; i < 200; i++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== own) return { pid, stop: () => child.kill('SIGKILL') };
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  return undefined;
}

describe('gVisor afterCreate', () => {
  it('takes the sandbox pid from the request it is given, with no create run before it', async () => {
    const sandbox = await sandboxStandIn();
    if (!sandbox) {
      console.warn('SKIP gVisor afterCreate with a pid: unshare --net cannot make a network namespace here');
      return;
    }
    try {
      const p = plan('c1');
      const pidFile = join(base, 'c1', 'pid');
      writeFileSync(pidFile, String(sandbox.pid));
      p.prepared.afterCreate({ id: 'c1', bundle: p.bundle, pidFile, preserveFds: 0 });
      expect(JSON.parse(readFileSync(join(p.paths.dir, DNS_AT_START_FILE), 'utf8'))).toMatchObject({ id: 'c1', pid: sandbox.pid });
      expect(fake.calls()).toEqual([]);
    } finally {
      sandbox.stop();
    }
  });

  it('records no pid when the request names no pid file', () => {
    const p = plan('c2');
    p.prepared.afterCreate({ id: 'c2', bundle: p.bundle, preserveFds: 0 });
    expect(JSON.parse(readFileSync(join(p.paths.dir, DNS_AT_START_FILE), 'utf8')).pid).toBeUndefined();
  });
});
