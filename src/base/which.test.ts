import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { whichSystem } from './which.js';

const dir = mkdtempSync(join(tmpdir(), 'msb-which-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('whichSystem', () => {
  it('takes PATH first, then the first system directory that holds the command, else nothing', () => {
    const sbin = join(dir, 'sbin');
    mkdirSync(sbin);
    writeFileSync(join(sbin, 'msb-which-probe'), '#!/bin/sh\n');
    chmodSync(join(sbin, 'msb-which-probe'), 0o755);
    expect(whichSystem('msb-which-probe', [join(dir, 'missing'), sbin])).toBe(join(sbin, 'msb-which-probe'));
    expect(whichSystem('msb-which-probe', [join(dir, 'missing')])).toBeUndefined();
    expect(whichSystem('sh', [sbin])).toMatch(/\/sh$/);
  });
});
