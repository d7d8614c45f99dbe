import { describe, expect, it } from 'vitest';
import { RECENT_MS, relayProblems } from './relay-health.js';

const now = Date.parse('2026-12-02T08:00:00Z');
const ago = (ms: number): string => new Date(now - ms).toISOString();

describe('relayProblems', () => {
  it('finds nothing wrong with a relay that answers', () => {
    expect(
      relayProblems(
        { pid: 7, counters: { unanswered: 0 }, health: { lastAnsweredAt: ago(1000) }, install: { entry: '/x/relay-main.js', state: 'current' } },
        now,
      ),
    ).toEqual({ failures: [], warnings: [] });
  });

  it('calls recent unanswered queries a failure, saying whether anything was answered since', () => {
    const silent = relayProblems({ counters: { unanswered: 138 }, health: { lastUnansweredAt: ago(2000), lastAnsweredAt: ago(60_000) } }, now);
    expect(silent.failures).toEqual([`queries left unanswered: 138 in all, the last at ${ago(2000)}, none answered since`]);
    const mixed = relayProblems({ counters: { unanswered: 3 }, health: { lastUnansweredAt: ago(60_000), lastAnsweredAt: ago(1000) } }, now);
    expect(mixed.failures[0]).toContain(`answered others since ${ago(1000)}`);
  });

  it('forgets failures older than five minutes', () => {
    expect(
      relayProblems(
        { counters: { unanswered: 5 }, health: { lastUnansweredAt: ago(RECENT_MS + 1), lastDockerError: { at: ago(RECENT_MS + 1), id: 'abc', message: 'x' } } },
        now,
      ).failures,
    ).toEqual([]);
  });

  it('calls an unreachable Docker resolver a failure, naming the container and the error', () => {
    const p = relayProblems({ health: { lastDockerError: { at: ago(10), id: '0123456789abcdef', message: 'netns-socket-child.js not found' } } }, now);
    expect(p.failures).toEqual([`cannot reach Docker's resolver in container 0123456789ab (at ${ago(10)}): netns-socket-child.js not found`]);
  });

  it('warns about gateways where forged sources are not kept out', () => {
    expect(
      relayProblems(
        {
          networks: [
            { address: '172.20.0.1', guard: { guarded: true } },
            { address: '172.21.0.1', guard: { guarded: false, reason: 'iptables: not found' } },
          ],
        },
        now,
      ).warnings,
    ).toEqual(['gateway 172.21.0.1: queries with a forged source from other networks are not kept out (iptables: not found)']);
  });

  it('warns when the install it was started from is gone or rebuilt', () => {
    expect(relayProblems({ pid: 9, install: { entry: '/tmp/clone/dist/dns/relay-main.js', state: 'gone' } }, now).warnings).toEqual([
      'started from /tmp/clone/dist/dns/relay-main.js, which no longer exists (it runs from memory; kill 9 to run the installed build)',
    ]);
    expect(relayProblems({ pid: 9, install: { entry: '/x/relay-main.js', state: 'changed' } }, now).warnings).toEqual([
      '/x/relay-main.js was rebuilt since this relay started (kill 9: the next start runs the new build)',
    ]);
  });
});
