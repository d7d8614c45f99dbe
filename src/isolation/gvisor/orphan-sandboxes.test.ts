import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orphanSandboxIds } from './orphan-sandboxes.js';

const root = mkdtempSync(join(tmpdir(), 'msb-orphans-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('orphanSandboxIds', () => {
  it('names the containers runsc has files for and msb has no record of, once each', () => {
    for (const f of [
      'a_sandbox:a.state',
      'a_sandbox:a.lock',
      'b_sandbox:b.lock',
      'pod_sandbox:pod.state',
      'app-1_sandbox:pod.state',
      'gone-app_sandbox:gone-pod.state',
      'app-2_sandbox:gone-pod2.state',
      'known_sandbox:known.state',
      'runsc-a.sock',
      'notes.txt',
    ]) {
      writeFileSync(join(root, f), '');
    }
    const known = new Set(['known', 'pod', 'app-2']);
    expect(orphanSandboxIds(root, (id) => known.has(id))).toEqual(['a', 'b', 'gone-pod']);
  });

  it('finds nothing in a root that does not exist yet', () => {
    expect(orphanSandboxIds(join(root, 'absent'), () => false)).toEqual([]);
  });
});
