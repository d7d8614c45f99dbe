import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GlobalOptions } from '../global-options.js';
import { stateDirOf } from '../../base/paths.js';
import type { ContainerRecord } from '../../base/record.js';

interface Listed {
  id: string;
  pid: number;
  status: string;
  bundle: string;
  created: string;
  owner: string;
  backend: string;
}

function stateOf(dir: string, id: string): { status: string; pid: number } {
  // The container's own launcher knows how to ask its backend.
  const out = spawnSync('/bin/sh', ['-c', '. "$1" && msb_exec state "$2"', 'msb-list', join(dir, 'launcher.sh'), id], { encoding: 'utf8', timeout: 10_000 });
  try {
    const state = JSON.parse(out.stdout) as { status?: string; pid?: number };
    return { status: state.status ?? 'unknown', pid: state.pid ?? 0 };
  } catch {
    return { status: out.status === 0 ? 'unknown' : 'stopped', pid: 0 };
  }
}

/** list prints the containers msb created under this root, like `runc list`. */
export function list(g: GlobalOptions, opts: { format?: string; quiet?: boolean }): void {
  const containersDir = join(stateDirOf(g.root), 'containers');
  let ids: string[] = [];
  try {
    ids = readdirSync(containersDir).sort();
  } catch {
    ids = [];
  }
  if (opts.quiet) {
    for (const id of ids) process.stdout.write(`${id}\n`);
    return;
  }
  const rows: Listed[] = [];
  for (const id of ids) {
    const dir = join(containersDir, id);
    try {
      const record = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8')) as ContainerRecord;
      rows.push({ id, ...stateOf(dir, id), bundle: record.bundle, created: record.created, owner: 'root', backend: record.backend });
    } catch {
      rows.push({ id, pid: 0, status: 'creating', bundle: '', created: '', owner: 'root', backend: '' });
    }
  }
  if (opts.format === 'json') {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  process.stdout.write('ID\tPID\tSTATUS\tBACKEND\tBUNDLE\tCREATED\tOWNER\n');
  for (const r of rows) process.stdout.write(`${r.id}\t${r.pid}\t${r.status}\t${r.backend}\t${r.bundle}\t${r.created}\t${r.owner}\n`);
}
