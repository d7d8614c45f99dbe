import { describe, expect, it } from 'vitest';
import { deniedLookupEntry, formatEntry, parseSince, refusedConnection, selectEntries } from './egress-log.js';
import { parseKmsgRecord } from './kernel-log.js';

const ID = 'a'.repeat(64);
const KEY = '0123456789abcdef';
// As the kernel wrote it here for a rule of nft-ruleset.ts (the record's header, then the line).
const RAW = `6,2090,10019771936,-;msb-egress ${KEY} ${ID} IN=veth91b0d2e OUT= MAC=02:42:ac:1d:0e:02 SRC=172.29.14.5 DST=203.0.113.20 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0 \n SUBSYSTEM=net`;

describe('egress log', () => {
  it('reads a kernel record of a refusing rule: container, destination with port and protocol, source, interface, time', () => {
    const rec = parseKmsgRecord(RAW);
    expect(rec?.usec).toBe(10019771936);
    const boot = Date.parse('2026-12-02T13:00:00.000Z');
    expect(refusedConnection(rec as never, boot)).toEqual({
      time: new Date(boot + 10019771.936).toISOString(),
      id: ID,
      kind: 'connection',
      destination: '203.0.113.20:80/tcp',
      source: '172.29.14.5',
      interface: 'veth91b0d2e',
    });
    expect(
      refusedConnection({ usec: 1, text: `msb-egress ${KEY} ${ID} IN=v OUT= SRC=172.29.14.5 DST=169.254.169.254 LEN=84 PROTO=ICMP TYPE=8 CODE=0` }, 0)
        ?.destination,
    ).toBe('169.254.169.254/icmp');
    expect(refusedConnection({ usec: 1, text: 'docker0: port 1(veth3471af0) entered disabled state' }, 0)).toBeUndefined();
    expect(refusedConnection({ usec: 1, text: 'msb-egress-other x y IN=' }, 0)).toBeUndefined();
  });

  it("reads the relay's lines, skipping a cut one", () => {
    expect(
      deniedLookupEntry(
        JSON.stringify({ time: '2026-12-02T16:00:00.000Z', id: ID, name: 'denied.test', type: 'A', reason: 'denied', rule: 'deny@denied.test' }),
      ),
    ).toEqual({
      time: '2026-12-02T16:00:00.000Z',
      id: ID,
      kind: 'lookup',
      destination: 'denied.test A',
      name: 'denied.test',
      reason: 'denied by deny@denied.test',
    });
    expect(
      deniedLookupEntry(JSON.stringify({ time: '2026-12-02T16:00:00.000Z', id: ID, name: 'r.test', type: 'A', reason: 'rebind', address: '10.0.0.1' }))?.reason,
    ).toBe('rebind → 10.0.0.1');
    expect(deniedLookupEntry('{"time":"2026-12-02T16:00:00.000Z","id":"a')).toBeUndefined();
    expect(
      deniedLookupEntry(JSON.stringify({ time: '2026-12-02T16:00:00.000Z', id: ID, name: 'x.test', type: 'A', reason: 'not-a-peer', suppressed: 7 }))?.reason,
    ).toBe('not-a-peer (after 7 more refused lookups not logged: over 20 a second)');
  });

  it('selects by container (id prefix) and time, oldest first, and prints the Docker name beside the id', () => {
    const e = (time: string, id: string) => ({ time, id, kind: 'lookup' as const, destination: 'x.test A', name: 'x.test', reason: 'not-a-peer' });
    const all = [e('2026-12-02T16:00:02.000Z', ID), e('2026-12-02T16:00:01.000Z', ID), e('2026-12-02T16:00:03.000Z', 'b'.repeat(64))];
    expect(selectEntries(all, {}).map((x) => x.time)).toEqual(['2026-12-02T16:00:01.000Z', '2026-12-02T16:00:02.000Z', '2026-12-02T16:00:03.000Z']);
    expect(selectEntries(all, { ids: ['aaaa'], sinceMs: Date.parse('2026-12-02T16:00:01.500Z') }).map((x) => x.time)).toEqual(['2026-12-02T16:00:02.000Z']);
    expect(formatEntry(all[0] as never, new Map([[ID, 'web']]))).toBe(`2026-12-02T16:00:02.000Z  aaaaaaaaaaaa (web)  lookup x.test A: not-a-peer\n`);
  });

  it('--since takes a duration or a date, and names what it expected otherwise', () => {
    expect(parseSince('10m', 1_000_000)).toBe(400_000);
    expect(parseSince('2026-12-02T16:00:00Z')).toBe(Date.parse('2026-12-02T16:00:00Z'));
    expect(() => parseSince('yesterday')).toThrow('--since "yesterday": expected a duration (90s, 10m, 2h, 1d) or a date (2026-12-02T16:00:00Z)');
  });
});
