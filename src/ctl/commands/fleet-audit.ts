import { MsbError } from '../../base/errors.js';
import { dockerodeFleet, type FleetDocker } from '../fleet/fleet-docker.js';
import { readSandboxRecord, runtimeKind, type SandboxRecord } from '../fleet/runtime-kind.js';

/** FleetAuditOptions are `msbctl fleet audit`'s flags, already parsed. */
export interface FleetAuditOptions {
  json: boolean;
  check: boolean;
  root: string;
}

/** AuditRow is one running container in the audit (also the `--json` shape, one object per container). */
interface AuditRow {
  id: string;
  name: string;
  image: string;
  runtime: string;
  /** True when the container names no runtime and runs under the engine's default. */
  defaultRuntime: boolean;
  sandboxed: boolean;
  /** The sandbox msb put it in (msb's record, else the alias's --isolation, else "policy default"); null outside msb. */
  sandbox: string | null;
}

/** FleetAuditDeps is the system boundary of `msbctl fleet audit`. */
export interface FleetAuditDeps {
  docker: FleetDocker;
  out: (line: string) => void;
  readRecord: (root: string, id: string) => SandboxRecord | undefined;
}

/** auditFleet inspects every running container and says which runtime and sandbox it runs in. */
async function auditFleet(docker: FleetDocker, root: string, readRecord: FleetAuditDeps['readRecord']): Promise<AuditRow[]> {
  const engine = await docker.engineRuntimes();
  const rows: AuditRow[] = [];
  for (const id of await docker.listRunning()) {
    const c = await docker.inspect(id);
    if (c === undefined) continue; // gone since the listing
    const kind = runtimeKind(c.HostConfig.Runtime, engine);
    const record = kind.msb ? readRecord(root, c.Id) : undefined;
    const sandbox = !kind.msb ? null : record ? `${record.backend}${record.detail ? ` (${record.detail})` : ''}` : (kind.isolation ?? 'policy default');
    rows.push({
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      image: c.Config.Image,
      runtime: kind.name,
      defaultRuntime: kind.fromDefault,
      sandboxed: kind.msb,
      sandbox,
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/** fleetAudit prints the audit as a table (a JSON array with --json); --check fails when any container runs outside msb. */
export async function fleetAudit(
  options: FleetAuditOptions,
  deps: FleetAuditDeps = { docker: dockerodeFleet(), out: (l) => process.stdout.write(`${l}\n`), readRecord: readSandboxRecord },
): Promise<void> {
  const rows = await auditFleet(deps.docker, options.root, deps.readRecord);
  if (options.json) deps.out(JSON.stringify(rows, null, 2));
  else printTable(rows, deps.out);
  const outside = rows.filter((r) => !r.sandboxed);
  if (options.check && outside.length > 0) {
    throw new MsbError(
      'forbidden',
      `check failed: ${outside.length} of ${rows.length} running container(s) outside msb: ${outside.map((r) => r.name).join(', ')}`,
    );
  }
}

function printTable(rows: AuditRow[], out: (line: string) => void): void {
  if (rows.length === 0) {
    out('no running containers');
    return;
  }
  const table = [
    ['NAME', 'IMAGE', 'RUNTIME', 'SANDBOX', 'STATUS'],
    ...rows.map((r) => [
      r.name,
      r.image,
      `${r.runtime}${r.defaultRuntime ? ' (engine default)' : ''}`,
      r.sandbox ?? '-',
      r.sandboxed ? 'sandboxed' : 'UNSANDBOXED',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  const outside = rows.filter((r) => !r.sandboxed).length;
  out(`${rows.length} running, ${rows.length - outside} under msb, ${outside} outside${outside > 0 ? ': move them with `msbctl fleet migrate NAME…`' : ''}`);
}
