import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gvisorLauncher, type LauncherInputs, NETNS_CHECK_COMMANDS } from './launcher.js';
import { GVISOR_NODE_COMMANDS, GVISOR_PIDS_NODE_COMMANDS, RUNSC_COMMANDS } from './launcher-commands.js';

// Every path has spaces, single and double quotes and a $: the launcher must survive them all.
const base = mkdtempSync(join(tmpdir(), 'msb-launcher-'));
const dir = join(base, `it's a "dir" $HOME`);
mkdirSync(dir);
afterAll(() => rmSync(base, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A fake runsc: prints $0 and every argument, each ending in NUL, so any argument survives. */
const runsc = script("run sc's", `printf '%s\\0' "$0" "$@"`);
/** A fake unshare: records its argv, then runs what follows "--" (it makes no namespace). */
const unshare = script('un share', `printf '%s\\0' "$@" >"$MSB_TEST_UNSHARE_ARGV"\nwhile [ "$1" != -- ]; do shift; done\nshift\nexec "$@"`);
/** A fake mount: records its argv and succeeds, or fails when asked to. */
const mount = script("mo'unt", `printf '%s\\0' "$@" >"$MSB_TEST_MOUNT_ARGV"\n[ -z "$MSB_TEST_MOUNT_FAIL" ]`);

const runscArgs = ['--root', join(dir, "runsc 'root'"), '--platform=systrap'];
const msbRoot = join(dir, `msb "root" '$x'`);
const bundle = join(dir, `bun'dle "x" $(id) \`id\``);
const reason = `runsc 0.0~20221219.0 is "old" \\ it's (gvisor #10704)`;

function inputs(quirk: boolean): LauncherInputs {
  return { id: 'abc-123', bundle, runsc, runscArgs, root: msbRoot, rmemWorkaround: quirk ? { unshare, mount, reason } : undefined };
}

function writeLauncher(name: string, quirk: boolean): string {
  const path = join(dir, name);
  writeFileSync(path, gvisorLauncher(inputs(quirk)));
  return path;
}

const plain = writeLauncher('launcher plain.sh', false);
const quirk = writeLauncher("launcher 'quirk'.sh", true);

/** source runs `code` in /bin/sh after sourcing the launcher; $@ are the extra arguments. */
function source(launcher: string, code: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync('/bin/sh', ['-c', `. "$1" || exit 99; shift; ${code}`, 'sh', launcher, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const nulSplit = (s: string): string[] => s.split('\0').slice(0, -1);

describe.each([
  ['without the rmem workaround', plain],
  ['with the rmem workaround', quirk],
])('gvisorLauncher %s', (_name, launcher) => {
  it('is accepted by sh -n', () => {
    const r = spawnSync('/bin/sh', ['-n', launcher], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('msb_exec a "b c" runs runsc with the container\'s flags and exactly that argv', () => {
    const r = source(launcher, 'msb_exec a "b c"');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(nulSplit(r.out)).toEqual([runsc, ...runscArgs, 'a', 'b c']);
  });

  it('msb_exec passes hostile arguments through untouched', () => {
    const args = ['state', "it's", '', '$(id)', '`id`', '*', '"q"', 'a\nb', '\\', '--root=/evil'];
    const r = source(launcher, 'msb_exec "$@"', args);
    expect(r.status).toBe(0);
    expect(nulSplit(r.out)).toEqual([runsc, ...runscArgs, ...args]);
  });

  it('sets the variables shim/msb-runtime reads', () => {
    const r = source(launcher, `printf '%s\\0' "$msb_backend" "$msb_bundle" "$msb_commands"`);
    expect(nulSplit(r.out)).toEqual(['gvisor', bundle, ` ${[...RUNSC_COMMANDS, ...GVISOR_NODE_COMMANDS].join(' ')} `]);
  });

  it("msb_exec sends update to msb's Node half with msb's root (runsc has no update)", () => {
    mkdirSync(join(dir, 'bin'), { recursive: true });
    script('bin/node', `printf '%s\\0' "$@"`);
    const r = source(launcher, 'msb_cmd=update; msb_dist=/d; msb_exec --log "l og" update --resources - abc-123', [], {
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    });
    expect(r.err).toBe('');
    expect(nulSplit(r.out)).toEqual(['/d/msb-runtime.cjs', '--root', msbRoot, '--log', 'l og', 'update', '--resources', '-', 'abc-123']);
  });
});

describe('gvisorLauncher msb_exec_runsc (Node runs checkpoint and restore through it)', () => {
  it('execs runsc directly without the workaround, even for a command msb_exec would send to Node', () => {
    const r = source(plain, 'msb_cmd=checkpoint; msb_exec_runsc checkpoint --image-path "/i p" abc');
    expect(r.err).toBe('');
    expect(nulSplit(r.out)).toEqual([runsc, ...runscArgs, 'checkpoint', '--image-path', '/i p', 'abc']);
  });

  it('goes through unshare and mount with the workaround (restore checks the netns)', () => {
    const env = { MSB_TEST_UNSHARE_ARGV: join(dir, 'unshare argv r'), MSB_TEST_MOUNT_ARGV: join(dir, 'mount argv r') };
    const r = source(quirk, 'msb_exec_runsc restore --detach abc', [], env);
    expect(r.err).toBe('');
    expect(nulSplit(r.out)).toEqual([runsc, ...runscArgs, 'restore', '--detach', 'abc']);
    expect(existsSync(env.MSB_TEST_MOUNT_ARGV)).toBe(true);
  });
});

describe('gvisorLauncher commands', () => {
  it('lists the runc commands runsc implements, with spaces around each for `case *" $cmd "*`', () => {
    const text = gvisorLauncher(inputs(false));
    for (const cmd of ['start', 'state', 'kill', 'delete', 'exec', 'ps']) expect(text).toContain(` ${cmd} `);
    expect(RUNSC_COMMANDS).not.toContain('create'); // create goes through Node
    expect(RUNSC_COMMANDS).not.toContain('update'); // runsc has no update: msb's Node half applies it
    expect(GVISOR_NODE_COMMANDS).toEqual(['update', 'checkpoint']); // checkpoint: runc's flags are mapped onto runsc's there
    expect(GVISOR_PIDS_NODE_COMMANDS).toEqual(['update', 'checkpoint', 'exec']);
  });

  it('sends exec to Node only for a container with a pids limit (runsc exec cannot give it RLIMIT_NPROC)', () => {
    mkdirSync(join(dir, 'bin'), { recursive: true });
    script('bin/node', `printf '%s\\0' "$@"`);
    const env = { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` };
    const limited = join(dir, 'launcher pids.sh');
    writeFileSync(limited, gvisorLauncher({ ...inputs(false), pidsLimit: true }));
    const exec = 'msb_cmd=exec; msb_dist=/d; msb_exec exec --process p.json --detach abc-123';
    expect(nulSplit(source(limited, exec, [], env).out)).toEqual([
      '/d/msb-runtime.cjs',
      '--root',
      msbRoot,
      'exec',
      '--process',
      'p.json',
      '--detach',
      'abc-123',
    ]);
    expect(nulSplit(source(plain, exec, [], env).out)).toEqual([runsc, ...runscArgs, 'exec', '--process', 'p.json', '--detach', 'abc-123']);
  });

  it('without the workaround has no quirk commands and no msb_exec_quirk', () => {
    const r = source(plain, `printf '[%s]' "$msb_quirk_commands"; command -v msb_exec_quirk || echo none`);
    expect(r.out).toBe('[]none\n');
  });
});

describe('gvisorLauncher msb_exec_quirk', () => {
  const text = gvisorLauncher(inputs(true));

  it('runs in a private mount namespace over an empty /proc/sys/net (not /proc/sys/net/core)', () => {
    expect(text).toContain('--mount --propagation private');
    expect(text).toContain('/proc/sys/net');
    expect(text).not.toContain('/proc/sys/net/core');
  });

  it('applies to exactly the commands that check the netns', () => {
    expect(source(quirk, `printf '%s' "$msb_quirk_commands"`).out).toBe(` ${NETNS_CHECK_COMMANDS.join(' ')} `);
    expect(NETNS_CHECK_COMMANDS).toEqual(['start', 'restore']);
  });

  it('calls unshare, then mount, then runsc with exactly the argv (fake unshare and mount)', () => {
    const env = { MSB_TEST_UNSHARE_ARGV: join(dir, 'unshare argv'), MSB_TEST_MOUNT_ARGV: join(dir, 'mount argv') };
    const r = source(quirk, 'msb_exec_quirk a "b c"', [], env);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(nulSplit(r.out)).toEqual([runsc, ...runscArgs, 'a', 'b c']);
    const unshareArgv = nulSplit(readFileSync(env.MSB_TEST_UNSHARE_ARGV, 'utf8'));
    expect(unshareArgv.slice(0, 6)).toEqual(['--mount', '--propagation', 'private', '--', '/bin/sh', '-c']);
    expect(unshareArgv.slice(7)).toEqual(['msb-rmem-workaround', runsc, ...runscArgs, 'a', 'b c']);
    expect(nulSplit(readFileSync(env.MSB_TEST_MOUNT_ARGV, 'utf8'))).toEqual(['-t', 'tmpfs', '-o', 'size=4k,mode=0555', 'msb-rmem-workaround', '/proc/sys/net']);
  });

  it('does not run runsc when the mount fails', () => {
    const env = { MSB_TEST_UNSHARE_ARGV: join(dir, 'unshare argv 2'), MSB_TEST_MOUNT_ARGV: join(dir, 'mount argv 2'), MSB_TEST_MOUNT_FAIL: '1' };
    const r = source(quirk, 'msb_exec_quirk start abc', [], env);
    expect(r.status).not.toBe(0);
    expect(r.out).toBe('');
  });

  it('msb_quirk_note is the inside of a JSON string that carries the reason', () => {
    const note = source(quirk, `printf '%s' "$msb_quirk_note"`).out;
    const parsed = JSON.parse(`{"msg":"${note}"}`) as { msg: string };
    expect(parsed.msg).toBe(`gvisor: running runsc in a private mount namespace with /proc/sys/net hidden: ${reason}`);
  });
});

describe('gvisorLauncher msb_cleanup', () => {
  it('is a no-op when msb made no host directories', () => {
    const r = source(plain, 'msb_cleanup && echo ok');
    expect(r).toMatchObject({ status: 0, out: 'ok\n' });
  });

  it('removes exactly the owned directories, whatever their names', () => {
    const owned = [join(dir, "owned 'one' $HOME"), join(dir, 'owned `two`')];
    const keep = join(dir, 'keep me');
    for (const d of [...owned, keep]) mkdirSync(join(d, 'sub'), { recursive: true });
    const path = join(dir, 'launcher owned.sh');
    writeFileSync(path, gvisorLauncher({ ...inputs(false), ownedDirs: owned }));
    const r = source(path, 'msb_cleanup');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(owned.map((d) => existsSync(d))).toEqual([false, false]);
    expect(existsSync(keep)).toBe(true);
  });
});

describe('gvisorLauncher DNS at start', () => {
  it("names Docker's resolv.conf and the sandbox's, whatever their paths, only when DNS waits for start", () => {
    const dnsAtStart = { dockerResolvConf: join(dir, "docker 'resolv' $x"), generatedPath: join(dir, 'msb `resolv`') };
    const path = join(dir, 'launcher dns.sh');
    writeFileSync(path, gvisorLauncher({ ...inputs(false), dnsAtStart }));
    const r = source(path, 'printf "%s\\n%s" "$msb_dns_docker" "$msb_dns_file"');
    expect(r).toMatchObject({ status: 0, out: `${dnsAtStart.dockerResolvConf}\n${dnsAtStart.generatedPath}` });
    expect(source(plain, 'echo "${msb_dns_docker-unset}"').out).toBe('unset\n');
  });
});
