import { describe, expect, it } from 'vitest';
import {
  baseCommands,
  type Listing,
  installCommands,
  LOG_LIMIT,
  logPrefix,
  MARK_BASE,
  networkOf,
  recordedContainers,
  removeCommands,
  usedMarks,
} from './nft-ruleset.js';
import { allProfiles } from './profiles.js';

const profiles = allProfiles(
  {
    mixed: { rules: ['allow@pypi.org:tcp:443,deny@*.bad.test,allow@203.0.113.0/24:udp:1000-2000,allow@meta,deny@[fc00::/7],allow@host:tcp:8080'] },
    lonely: { rules: ['allow@public'], peers: false },
  },
  'test',
);
const NETS = [{ veth: 'vethA', address: '172.29.14.2', prefix: 24, gateway: '172.29.14.1' }];
const target = (name: string) => ({ key: '0123456789abcdef', mark: MARK_BASE + 7, profile: profiles[name] as never, networks: NETS, comment: '/run/x/rec' });

/** comments lists the container chain's rules by their comments, in order. */
function comments(name: string): string[] {
  return installCommands(target(name)).flatMap((c) => {
    const r = (c as { add?: { rule?: { chain: string; comment?: string } } }).add?.rule;
    return r && r.chain === 'c_0123456789abcdef' ? [r.comment ?? ''] : [];
  });
}

/** refusals drops the log rules from comments (the ordering test is about verdicts). */
const verdicts = (name: string): string[] => comments(name).filter((c) => !c.startsWith('log: '));

describe('installCommands', () => {
  it.each([
    [
      'public-only',
      ['replies', 'the DNS relay', 'the DNS relay', 'the host', 'allow@public', 'allow@public', 'the host is not a peer', 'peers', 'everything else'],
    ],
    ['airgapped', ['replies', 'the DNS relay', 'the DNS relay', 'the host', 'the host is not a peer', 'peers', 'everything else']],
    // allow@host: the host is reachable only as that rule says (no blanket drop before the rules).
    [
      'mixed',
      [
        'replies',
        'the DNS relay',
        'the DNS relay',
        'allow@pypi.org:tcp:443',
        'deny@*.bad.test',
        'allow@203.0.113.0/24:udp:1000-2000',
        'allow@meta',
        'deny@[fc00::/7]',
        'allow@host:tcp:8080',
        'the host is not a peer',
        'peers',
        'everything else',
      ],
    ],
    ['lonely', ['replies', 'the DNS relay', 'the DNS relay', 'the host', 'allow@public', 'allow@public', 'everything else']],
  ])('%s: the relay first, never the host (unless a rule names it), the rules in order, the peers, then drop', (name, want) => {
    expect(verdicts(name)).toEqual(want);
  });

  it("logs every refusal just before its drop, rate-limited, with the container's key and id in the prefix", () => {
    const all = comments('mixed');
    for (const refused of ['deny@*.bad.test', 'deny@[fc00::/7]', 'the host is not a peer', 'everything else']) {
      expect(all[all.indexOf(refused) - 1], refused).toBe(`log: ${refused}`);
    }
    expect(all.filter((c) => c.startsWith('log: ')).length).toBe(4);
    const logRules = installCommands(target('public-only')).flatMap((c) => {
      const r = (c as { add?: { rule?: { comment?: string; expr: Record<string, unknown>[] } } }).add?.rule;
      return r?.comment?.startsWith('log: ') ? [r] : [];
    });
    expect(logRules.map((r) => r.comment)).toEqual(['log: the host', 'log: the host is not a peer', 'log: everything else']);
    for (const r of logRules) {
      // The log rule has no verdict: it falls through to its drop; the limit precedes the log.
      expect(r.expr.slice(-2)).toEqual([{ limit: LOG_LIMIT }, { log: { prefix: 'msb-egress 0123456789abcdef rec ', level: 'info' } }]);
    }
  });

  it("logPrefix names the key and the record directory's name, in what nft accepts", () => {
    expect(logPrefix('0123456789abcdef', '/var/run/docker/runtime-runc/moby/msb/containers/3f1c0e9a')).toBe('msb-egress 0123456789abcdef 3f1c0e9a ');
    expect(logPrefix('0123456789abcdef', `/x/${'a'.repeat(80)}"; drop`).length).toBeLessThan(128);
  });

  it('marks every packet of each veth on its ingress hook and maps the mark to the chain with create (a taken mark fails)', () => {
    const cmds = JSON.stringify(installCommands(target('public-only')));
    expect(cmds).toContain('"hook":"ingress","dev":"vethA","prio":-500');
    expect(cmds).toContain(`{"mangle":{"key":{"meta":{"key":"mark"}},"value":${MARK_BASE + 7}}}`);
    expect(cmds).toContain(
      `{"create":{"element":{"family":"inet","table":"msb","name":"containers","elem":[[${MARK_BASE + 7},{"jump":{"target":"c_0123456789abcdef"}}]]}}}`,
    );
  });

  it('the dispatch drops a marked packet whose container has no chain (a missing entry closes, never opens)', () => {
    expect(JSON.stringify(baseCommands())).toMatch(/"vmap".*"comment":"a container without its chain"/);
  });
});

describe('removeCommands', () => {
  it("removes only what the listing holds of that container, never another container's map entry", () => {
    const listing: Listing = [
      {
        map: {
          name: 'containers',
          elem: [
            [MARK_BASE + 7, { jump: { target: 'c_0123456789abcdef' } }],
            [MARK_BASE + 8, { jump: { target: 'c_ffffffffffffffff' } }],
          ],
        },
      },
      { chain: { name: 'c_0123456789abcdef' } },
      { chain: { name: 'in_0123456789abcdef_0' } },
      { chain: { name: 'c_ffffffffffffffff' } },
      { set: { name: 'n_0123456789abcdef_0' } },
      { counter: { name: 'drop_0123456789abcdef' } },
      { rule: { chain: 'in_0123456789abcdef_0', comment: '/run/x/rec' } },
    ];
    const cmds = JSON.stringify(removeCommands(listing, '0123456789abcdef'));
    expect(cmds).toContain(`"elem":[${MARK_BASE + 7}]`);
    expect(cmds).not.toContain(String(MARK_BASE + 8));
    expect(cmds).not.toContain('ffffffffffffffff');
    expect(removeCommands(listing, 'aaaaaaaaaaaaaaaa')).toEqual([]);
    expect(usedMarks(listing)).toEqual(new Set([MARK_BASE + 7, MARK_BASE + 8]));
    expect(recordedContainers(listing)).toEqual(new Map([['0123456789abcdef', '/run/x/rec']]));
  });
});

it('networkOf', () => {
  expect(networkOf('172.29.14.2/24')).toBe('172.29.14.0/24');
  expect(networkOf('10.1.2.3/8')).toBe('10.0.0.0/8');
});
