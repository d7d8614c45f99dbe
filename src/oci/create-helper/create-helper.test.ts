// The create helper for real (docs/create-helper.md): shim/msb-runtime, the compiled client, the
// helper bundle and the Node path, with a recording fake runsc (no sandbox, no Docker, no root
// beyond a temporary directory). Through Docker the helper serves every create of the suite.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../test/support/docker.js';
import { makeFakeRunsc } from '../../../test/support/fake-runsc.js';
import { helperFiles, readHelperId } from './helper-paths.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const dist = join(repo, 'dist');
const shim = join(repo, 'shim', 'msb-runtime');
const helperId = readHelperId(dist);
const skip = !helperId ? 'this build has no create helper client (no C compiler at build time, or not built: npm run build)' : undefined;
if (skip) console.warn(`SKIP create helper: ${skip}`);

const base = mkdtempSync(join(tmpdir(), 'msb-create-helper-'));
const fake = makeFakeRunsc(join(base, 'fake runsc'));
const dir = join(base, 'helpers');
const files = helperFiles(dir, helperId ?? '0000000000000000');
let caseNo = 0;
let root = '';
let bundle = '';
let log = '';
let policy = '';

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, MSB_CREATE_HELPER_DIR: dir, MSB_POLICY: policy, ...extra });

function writePolicy(extra: Record<string, unknown> = {}): void {
  writeFileSync(policy, JSON.stringify({ gvisor: { runsc: fake.path, rmemWorkaround: 'never' }, dns: { upstreams: ['9.9.9.9'] }, ...extra }));
}

function runtime(args: string[], extra: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(shim, ['--root', root, '--log', log, '--log-format', 'json', ...args], {
    env: env(extra),
    cwd: bundle,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function helperPid(): number | undefined {
  try {
    return Number(readFileSync(files.pid, 'utf8'));
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** waitFor polls ok (test/support/docker.ts's waitUntil) and fails naming what never happened. */
async function waitFor(what: string, ok: () => boolean): Promise<void> {
  expect(await waitUntil(ok, 5_000), `waiting for ${what}`).toBe(true);
}

async function startHelper(idleSeconds = 60, inheritPath?: string): Promise<number> {
  // As the Node path starts it: through the client's --start-helper. With inheritPath, the starter
  // holds that file open as descriptor 7 without close-on-exec, as a create run by
  // `exec 9>lock; …` would pass its lock on.
  const helper = [
    join(dist, 'msb-create-client'),
    '--start-helper',
    process.execPath,
    join(dist, 'msb-create-helper.cjs'),
    '--idle-seconds',
    String(idleSeconds),
  ];
  const [cmd, args] =
    inheritPath === undefined ? [helper[0] as string, helper.slice(1)] : ['/bin/sh', ['-c', 'exec 7>"$0"; exec "$@"', inheritPath, ...helper]];
  spawn(cmd, args, { env: env(), stdio: 'ignore', detached: true }).unref();
  await waitFor('the helper to listen', () => existsSync(files.socket) && helperPid() !== undefined);
  return helperPid() as number;
}

function stopHelper(): void {
  const pid = helperPid();
  if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

const helperLog = (): string => (existsSync(files.log) ? readFileSync(files.log, 'utf8') : '');
const logLines = (): string[] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"level":"error"'))
    : [];
const recordDir = (id: string): string => join(root, 'msb', 'containers', id);

beforeEach(() => {
  const d = join(base, `case ${caseNo++}`);
  root = join(d, 'root');
  bundle = join(d, 'bundle');
  log = join(d, 'log.json');
  policy = join(d, 'policy.json');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  writeFileSync(
    join(bundle, 'config.json'),
    JSON.stringify({
      ociVersion: '1.0.2',
      process: { args: ['sleep', '60'], cwd: '/' },
      root: { path: 'rootfs' },
      linux: { namespaces: [{ type: 'pid' }, { type: 'network' }] },
    }),
  );
  writePolicy();
  fake.reset();
});
afterEach(stopHelper);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe.skipIf(skip !== undefined)('the create helper', () => {
  it('creates exactly what the Node path creates: the same runsc create, record, launcher and cleanup', async () => {
    const viaNode = runtime(['create', '--bundle', bundle, '--pid-file', join(bundle, 'n.pid'), 'n1'], { MSB_CREATE_HELPER: 'off' });
    expect(viaNode).toMatchObject({ status: 0, stderr: '' });
    const nodeCalls = fake.calls();
    fake.reset();
    await startHelper();
    const viaHelper = runtime(['create', '--bundle', bundle, '--pid-file', join(bundle, 'n.pid'), 'h1']);
    expect(viaHelper).toMatchObject({ status: 0, stderr: '' });
    expect(helperLog()).toMatch(/create h1 status 0/);
    const helperCalls = fake.calls();
    const create = (calls: string[][], id: string): string[] | undefined => calls.find((c) => c.includes('create') && c.at(-1) === id);
    expect(create(helperCalls, 'h1')).toEqual(create(nodeCalls, 'n1')?.map((a) => (a === 'n1' ? 'h1' : a)));
    for (const f of ['launcher.sh', 'cleanup.sh', 'config.orig.json']) {
      expect(readFileSync(join(recordDir('h1'), f), 'utf8'), f).toBe(readFileSync(join(recordDir('n1'), f), 'utf8').replaceAll('n1', 'h1'));
    }
    const record = (id: string): Record<string, unknown> => ({
      ...JSON.parse(readFileSync(join(recordDir(id), 'record.json'), 'utf8')),
      created: 't',
      id: 'x',
    });
    expect(record('h1')).toEqual(record('n1'));
    // The container's later commands do not care who created it.
    expect(runtime(['delete', 'h1'])).toMatchObject({ status: 0 });
    expect(existsSync(recordDir('h1'))).toBe(false);
  });

  it("runs runsc create with the runtime's own stdio and environment", async () => {
    await startHelper();
    fake.onCreate('echo "runsc out $MSB_TEST_MARK $(pwd)"; echo "runsc err" >&2');
    const r = runtime(['create', '--bundle', bundle, 'io1'], { MSB_TEST_MARK: 'mark-42' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`runsc out mark-42 ${bundle}\n`);
    expect(r.stderr).toBe('runsc err\n');
    expect(helperLog()).toMatch(/create io1 status 0/);
  });

  it('with no helper, runs the Node path and starts one, which serves the next create', async () => {
    const first = runtime(['create', '--bundle', bundle, 'a1']);
    expect(first).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(recordDir('a1'), 'launcher.sh'))).toBe(true);
    await waitFor('the started helper', () => existsSync(files.socket) && helperPid() !== undefined);
    expect(runtime(['create', '--bundle', bundle, 'a2'])).toMatchObject({ status: 0, stderr: '' });
    expect(helperLog()).toMatch(/create a2 status 0/);
    expect(helperLog()).not.toMatch(/create a1 /);
  });

  it("a bad config.json fails with the Node path's one-line error, in --log too, and leaves nothing", async () => {
    writeFileSync(join(bundle, 'config.json'), '{"ociVersion": ');
    const viaNode = runtime(['create', '--bundle', bundle, 'b1'], { MSB_CREATE_HELPER: 'off' });
    await startHelper();
    const viaHelper = runtime(['create', '--bundle', bundle, 'b1']);
    expect(viaHelper.status).toBe(1);
    expect(viaHelper.stderr).toBe(viaNode.stderr);
    expect(viaHelper.stderr).toMatch(/^msb: .*config\.json.*\n$/);
    expect(viaHelper.stderr.split('\n')).toHaveLength(2);
    expect(logLines()).toHaveLength(2);
    expect(existsSync(recordDir('b1'))).toBe(false);
    expect(helperLog()).toMatch(/create status 1 [\d.]+ ms: msb: .*malformed JSON/);
  });

  it("a failing runsc create is reported with runsc's reason and everything is removed", async () => {
    await startHelper();
    const original = readFileSync(join(bundle, 'config.json'), 'utf8');
    fake.failWith('cannot start the sandbox: boom');
    const r = runtime(['create', '--bundle', bundle, 'f1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('msb: gvisor: create failed (exit 1): cannot start the sandbox: boom\n');
    expect(logLines().at(-1)).toContain('msb: gvisor: create failed (exit 1): cannot start the sandbox: boom');
    expect(existsSync(recordDir('f1'))).toBe(false);
    expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(original);
  });

  it('a runsc create past gvisor.createTimeoutSeconds is killed and reported', async () => {
    writePolicy({ gvisor: { runsc: fake.path, rmemWorkaround: 'never', createTimeoutSeconds: 1 } });
    await startHelper();
    const hung = fake.hang();
    const r = runtime(['create', '--bundle', bundle, 't1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^msb: gvisor: .*runsc create did not finish within 1 s and was stopped \(policy gvisor\.createTimeoutSeconds in .*policy\.json\)\n$/,
    );
    expect(existsSync(recordDir('t1'))).toBe(false);
    // The fake exec'd sleep in its own process: the one the client killed.
    const pid = hung();
    expect(pid).toBeDefined();
    expect(alive(pid as number)).toBe(false);
  });

  it('a stopped (wedged) helper costs one wait: create succeeds through Node, which replaces the helper', async () => {
    const wedged = await startHelper();
    process.kill(wedged, 'SIGSTOP');
    const r = runtime(['create', '--bundle', bundle, 'w1'], { MSB_CREATE_HELPER_WAIT_MS: '300' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(recordDir('w1'), 'launcher.sh'))).toBe(true);
    await waitFor('the wedged helper to be killed', () => !alive(wedged));
    await waitFor('a new helper', () => helperPid() !== undefined && helperPid() !== wedged && existsSync(files.socket));
    expect(runtime(['create', '--bundle', bundle, 'w2'])).toMatchObject({ status: 0, stderr: '' });
    expect(helperLog()).toMatch(/create w2 status 0/);
  });

  it('declines when the policy turns it off, and exits; the Node path starts none', async () => {
    const pid = await startHelper();
    writePolicy({ createHelper: { enabled: false } });
    expect(runtime(['create', '--bundle', bundle, 'd1'])).toMatchObject({ status: 0, stderr: '' });
    expect(helperLog()).toMatch(/declined: createHelper\.enabled is false/);
    await waitFor('the helper to exit', () => !alive(pid));
    expect(runtime(['create', '--bundle', bundle, 'd2'])).toMatchObject({ status: 0, stderr: '' });
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(files.socket)).toBe(false);
  });

  it('starts with no descriptor its starter held (a lock file of the create that started it)', async () => {
    const lockPath = join(base, 'a lock file');
    const pid = await startHelper(60, lockPath);
    const held = readdirSync(`/proc/${pid}/fd`).map((f) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${f}`);
      } catch {
        return '';
      }
    });
    expect(held).not.toContain(lockPath);
    expect(held.filter((p) => p.startsWith('socket:')).length).toBeGreaterThan(0);
  });

  it('exits after its idle time and removes its socket', async () => {
    const pid = await startHelper(0.5);
    await waitFor('the idle helper to exit', () => !alive(pid));
    expect(existsSync(files.socket)).toBe(false);
    expect(existsSync(files.pid)).toBe(false);
  });
});
