import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeniedNamesLog, queryTypeName } from './denied-names-log.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-denied-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (i: number, id = `c${i}`) => ({ time: '2026-12-02T16:00:00.000Z', id, name: `n${i}.test`, type: 'A', reason: 'denied' as const });

describe('DeniedNamesLog', () => {
  it('appends JSON lines in order, also those queued while a write is under way', async () => {
    const log = new DeniedNamesLog(join(dir, 'a.jsonl'));
    for (let i = 0; i < 5; i++) log.append(entry(i));
    await log.idle();
    const lines = readFileSync(join(dir, 'a.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string });
    expect(lines.map((l) => l.name)).toEqual(['n0.test', 'n1.test', 'n2.test', 'n3.test', 'n4.test']);
  });

  it('rotates past its cap to <file>.1, so the log stays bounded', async () => {
    const path = join(dir, 'b.jsonl');
    const log = new DeniedNamesLog(path, 1000);
    for (let i = 0; i < 200; i++) {
      log.append(entry(i));
      if (i % 10 === 0) await log.idle();
    }
    await log.idle();
    expect(statSync(`${path}.1`).size).toBeGreaterThan(1000);
    expect(statSync(`${path}.1`).size).toBeLessThan(3000);
    expect(statSync(path).size).toBeLessThanOrEqual(3000);
    expect(readFileSync(path, 'utf8')).toContain('n199.test');
  });

  it('a flood beyond its queue is counted as lost, not kept in memory', async () => {
    const log = new DeniedNamesLog(join(dir, 'c.jsonl'));
    for (let i = 0; i < 1500; i++) log.append(entry(i));
    expect(log.lost).toBeGreaterThan(0);
    await log.idle();
  });

  it('one container over its rate is counted, not written, and its next line says how many were left out', async () => {
    const path = join(dir, 'd.jsonl');
    const log = new DeniedNamesLog(path);
    for (let i = 0; i < 150; i++) log.append(entry(i, 'flood'));
    log.append(entry(0, 'quiet'));
    await log.idle();
    await new Promise((r) => setTimeout(r, 200)); // the bucket refills (20 a second)
    log.append(entry(999, 'flood'));
    await log.idle();
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; name: string; suppressed?: number });
    expect(lines.filter((l) => l.id === 'flood').length).toBe(101);
    expect(lines.find((l) => l.id === 'quiet')?.name).toBe('n0.test');
    expect(lines.at(-1)).toMatchObject({ id: 'flood', name: 'n999.test', suppressed: 50 });
  });

  it('names query types', () => {
    expect([1, 28, 99].map(queryTypeName)).toEqual(['A', 'AAAA', 'TYPE99']);
  });
});
