import { describe, expect, it } from 'vitest';
import { MsbError } from '../../base/errors.js';
import type { ContainerRecord } from '../../base/record.js';
import { sockets, type SocketsDeps } from './sockets.js';

const ID = 'd'.repeat(64);
const record: ContainerRecord = {
  id: ID,
  backend: 'gvisor',
  bundle: '/b',
  created: 't',
  selection: [],
  backendSummary: {},
  controlSockets: [
    { path: '/run/agent/ctl.sock', hostPath: `/run/msb/sockets/${ID}/0/ctl.sock` },
    { path: '/run/agent/log.sock', hostPath: `/run/msb/sockets/${ID}/0/log.sock` },
  ],
};

function deps(records: Record<string, ContainerRecord>, names: Record<string, string> = {}): SocketsDeps & { lines: string[]; asked: string[] } {
  const lines: string[] = [];
  const asked: string[] = [];
  return {
    lines,
    asked,
    out: (l) => void lines.push(l),
    resolveId: async (n) => {
      asked.push(n);
      const id = names[n];
      if (!id) throw new MsbError('not-found', `no container ${n}`);
      return id;
    },
    hasRecord: (root, id) => root === '/root' && records[id] !== undefined,
    readRecord: (_root, id) => records[id] as ContainerRecord,
  };
}

describe('msbctl sockets', () => {
  it('prints path and host path of each control socket for a full id, without asking Docker', async () => {
    const d = deps({ [ID]: record });
    await sockets({ container: ID, root: '/root', json: false }, d);
    expect(d.lines).toEqual([`/run/agent/ctl.sock\t/run/msb/sockets/${ID}/0/ctl.sock`, `/run/agent/log.sock\t/run/msb/sockets/${ID}/0/log.sock`]);
    expect(d.asked).toEqual([]);
  });

  it('resolves a Docker name and prints JSON', async () => {
    const d = deps({ [ID]: record }, { web: ID });
    await sockets({ container: 'web', root: '/root', json: true }, d);
    expect(d.asked).toEqual(['web']);
    expect(JSON.parse(d.lines[0] ?? '')).toEqual({ id: ID, controlSockets: record.controlSockets });
  });

  it('says so when the container declares none (records from before control sockets included)', async () => {
    const { controlSockets: _none, ...old } = record;
    const d = deps({ [ID]: old });
    await sockets({ container: ID, root: '/root', json: false }, d);
    expect(d.lines).toEqual([`container ${ID} declares no control sockets`]);
  });

  it('fails when Docker knows the name but msb has no record under the root', async () => {
    const d = deps({}, { web: ID });
    await expect(sockets({ container: 'web', root: '/root', json: false }, d)).rejects.toThrow(
      `container web has no msb record under /root (not running under msb, or already removed)`,
    );
  });

  it("passes on Docker's not-found", async () => {
    await expect(sockets({ container: 'nope', root: '/root', json: false }, deps({}))).rejects.toThrow('no container nope');
  });
});
