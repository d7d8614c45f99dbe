import { describe, expect, it } from 'vitest';
import { egressLogCommand, type EgressLogSystem } from './egress-log.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const KEY = '0123456789abcdef';

function system(files: Record<string, string>, kernel: string[][]): EgressLogSystem & { dockerCalls: string[][] } {
  const dockerCalls: string[][] = [];
  let round = 0;
  return {
    dockerCalls,
    kernel: () => ({ next: () => (kernel[round] ?? []).map((text) => ({ usec: 2_000_000, text })), close: () => undefined }),
    bootMs: () => Date.parse('2026-12-02T16:00:00.000Z'),
    readFrom: (path, offset) => {
      const t = files[path] ?? '';
      return { text: t.slice(offset), size: t.length };
    },
    docker: (args) => {
      dockerCalls.push(args);
      if (args[0] === 'inspect') return args.at(-1) === 'web' ? { status: 0, stdout: `${A}\n` } : { status: 1, stdout: '' };
      return { status: 0, stdout: `${A}\tweb\n${B}\tdb\n` };
    },
    sleep: async () => {
      round++;
      if (round === 1)
        files['/s/egress-denied.jsonl'] +=
          `${JSON.stringify({ time: '2026-12-02T16:00:05.000Z', id: B, name: 'late.test', type: 'A', reason: 'not-a-peer' })}\n`;
      return round < 2;
    },
  };
}

const lookup = (id: string, name: string, sec: number): string =>
  `${JSON.stringify({ time: `2026-12-02T16:00:0${sec}.000Z`, id, name, type: 'A', reason: 'denied', rule: `deny@${name}` })}\n`;
const dropped = (id: string, dst: string): string => `msb-egress ${KEY} ${id} IN=vethA OUT= SRC=172.29.14.5 DST=${dst} LEN=60 PROTO=TCP SPT=4 DPT=80 SYN`;

describe('msbctl egress log', () => {
  it("merges the relay's refused lookups (rotated file first) and the kernel's dropped packets, oldest first, by container name", async () => {
    const sys = system(
      { '/s/egress-denied.jsonl.1': lookup(A, 'old.test', 1), '/s/egress-denied.jsonl': lookup(A, 'denied.test', 3) + lookup(B, 'other.test', 4) },
      [[dropped(A, '203.0.113.20'), 'unrelated kernel line']],
    );
    let out = '';
    await egressLogCommand({ container: 'web', json: false, follow: false, stateDir: '/s' }, (s) => void (out += s), sys);
    expect(out).toBe(
      [
        '2026-12-02T16:00:01.000Z  aaaaaaaaaaaa (web)  lookup old.test A: denied by deny@old.test',
        '2026-12-02T16:00:02.000Z  aaaaaaaaaaaa (web)  connection to 203.0.113.20:80/tcp from 172.29.14.5 on vethA: dropped',
        '2026-12-02T16:00:03.000Z  aaaaaaaaaaaa (web)  lookup denied.test A: denied by deny@denied.test',
        '',
      ].join('\n'),
    );
  });

  it('--follow prints what comes after, --json one object a line', async () => {
    const sys = system({ '/s/egress-denied.jsonl': lookup(A, 'denied.test', 3) }, [[], [dropped(B, '198.51.100.7')]]);
    const lines: string[] = [];
    await egressLogCommand({ json: true, follow: true, stateDir: '/s' }, (s) => void lines.push(s), sys);
    expect(lines.map((l) => (JSON.parse(l) as { destination: string }).destination)).toEqual(['denied.test A', '198.51.100.7:80/tcp', 'late.test A']); // each round oldest first
  });

  it('an unknown container name and a bad --since fail with one line', async () => {
    const sys = system({}, []);
    await expect(egressLogCommand({ container: 'nope', json: false, follow: false, stateDir: '/s' }, () => undefined, sys)).rejects.toThrow(
      'no container nope: docker inspect does not know it (give an id prefix for a removed container)',
    );
    let out = '';
    await egressLogCommand(
      { container: 'bbbb', json: true, follow: false, stateDir: '/s' },
      (l) => void (out += l),
      system({ '/s/egress-denied.jsonl': lookup(B, 'gone.test', 1) }, []),
    );
    expect(out).toContain('gone.test'); // a removed container's id prefix (docker does not know it)
    await expect(egressLogCommand({ since: 'soon', json: false, follow: false, stateDir: '/s' }, () => undefined, sys)).rejects.toThrow(
      '--since "soon": expected',
    );
  });
});
