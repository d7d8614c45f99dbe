// npm run bench: msb's cost over calling runsc directly, measured in one run on this machine.
// See docs/benchmarks.md for what is measured and how to read the figures.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchOptions, HelpRequested, parseBenchArgs, repoRoot } from './bench-options.js';
import { Cleanup, Interrupted } from './cleanup.js';
import { criPodsSkipReason, measureCriPods } from './cri-pods.js';
import { measureDnsRelay } from './dns-relay-bench.js';
import { measureDockerRun } from './docker-run.js';
import { measureEgress } from './egress-bench.js';
import { formatCheckpointRestore, measureCheckpointRestore } from './checkpoint-restore.js';
import { hostFacts } from './host-facts.js';
import { measureKrunBoot, writeKrunWrapper } from './krun-boot.js';
import { findKrunProvider } from '../isolation/krun/provider.js';
import { DOCKER_RUNTIME_ROOT, probeMsbRunscFlags } from './msb-flags.js';
import { exportRootfs, makeBundle } from './oci-bundle.js';
import { RAW_ROOT_SUBDIR, rawWrapperScript, writeRawWrapper } from './raw-runsc.js';
import { formatReport, writeResult, type BenchResult } from './report.js';
import { installRuntime, uninstallRuntime } from './runtime-registration.js';
import { measureRuntimeCommands, type RuntimeUnderTest } from './runtime-commands.js';
import { CommandFailed, stdoutOf } from './timed-spawn.js';
import { measureWorkloads } from './workloads.js';
import { registerMsbSandboxOverlay, registerRunscDefault } from './workload-runtime.js';

/** RAW_RUNTIME_NAME is the name the raw wrapper is registered under in daemon.json. */
export const RAW_RUNTIME_NAME = 'msb-bench-raw';

/** KRUN_RUNTIME_NAME is the name part 3 registers msb under with --isolation=krun. */
export const KRUN_RUNTIME_NAME = 'msb-krun-bench';

function progress(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

function preflight(opts: BenchOptions): void {
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs root (it runs runsc and registers a Docker runtime)');
  const msb = spawnSync(join(repoRoot, 'shim', 'msb-runtime'), ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (msb.status !== 0) throw new Error(`shim/msb-runtime --version failed (npm run bench builds msb first): ${msb.stderr ?? msb.error?.message ?? ''}`);
  const runtimes = stdoutOf('docker', ['info', '--format', '{{json .Runtimes}}']);
  if (!(JSON.parse(runtimes) as Record<string, unknown>).msb) throw new Error(`dockerd has no runtime "msb" (docker info: ${runtimes}); see configs/`);
  stdoutOf('docker', ['image', 'inspect', '--format', '{{.Id}}', opts.image]);
  if (!existsSync(opts.msbctl)) {
    throw new Error(
      `${opts.msbctl} does not exist: the benchmark registers its raw runtime with \`msbctl install --name NAME --path PATH\` (pass --msbctl PATH to use another)`,
    );
  }
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * dockerLeftovers reports what part 1 left behind: runsc state in the raw runtime's root, and msb
 * records that appeared during it and outlive their containers. Other engineers' containers may
 * come and go meanwhile, so a record only counts if Docker no longer knows its id.
 */
function dockerLeftovers(msbRecordsBefore: Set<string>): string[] {
  sleepMs(3000); // containerd finishes `delete` after `docker run --rm` returns
  const found = listDir(join(DOCKER_RUNTIME_ROOT, RAW_ROOT_SUBDIR)).map((e) => `file: ${join(DOCKER_RUNTIME_ROOT, RAW_ROOT_SUBDIR, e)}`);
  const known = new Set(stdoutOf('docker', ['ps', '-aq', '--no-trunc']).split('\n'));
  for (const id of listDir(join(DOCKER_RUNTIME_ROOT, 'msb', 'containers'))) {
    if (!msbRecordsBefore.has(id) && !known.has(id))
      found.push(`msb record of a container Docker no longer has: ${join(DOCKER_RUNTIME_ROOT, 'msb', 'containers', id)}`);
  }
  return found;
}

async function runBench(opts: BenchOptions, cleanup: Cleanup): Promise<BenchResult> {
  const problems: string[] = [];
  progress(`warm-up: docker run -d --runtime=msb ${opts.image} sleep 30, to read how msb runs runsc`);
  const flags = probeMsbRunscFlags(cleanup, opts.image);
  progress(`msb runs ${flags.runsc} ${flags.runscFlags.join(' ')} (rmem_default workaround: ${flags.rmemWorkaround.apply ? 'start/restore' : 'none'})`);
  const host = hostFacts(flags.runsc, repoRoot);
  await cleanup.checkpoint();

  mkdirSync('/run/msb-bench', { recursive: true, mode: 0o700 });
  const work = mkdtempSync('/run/msb-bench/run-');
  cleanup.push(`rm -rf ${work}`, () => {
    rmSync(work, { recursive: true, force: true });
    try {
      rmdirSync('/run/msb-bench'); // only if no other run's directory is in it
    } catch {
      // not empty, or already gone
    }
  });
  const wrapper = writeRawWrapper(work, flags);
  const dnsPart = async (): Promise<BenchResult['dns']> => {
    await cleanup.checkpoint();
    progress("part 4: the DNS relay against Docker's embedded DNS");
    return measureDnsRelay(cleanup, { image: opts.image, work }, progress);
  };
  if (opts.only === 'dns') {
    return { date: new Date().toISOString(), host, msbRunsc: flags, rawWrapperScript: rawWrapperScript(flags), dns: await dnsPart(), problems };
  }
  // Part 5: workloads under msb, runsc registered directly with its own defaults, and runc.
  const workloadsPart = async (): Promise<BenchResult['workloads']> => {
    if (!opts.workloads) return undefined;
    await cleanup.checkpoint();
    progress('part 5: workloads (redis, http, files) under msb, runsc directly and runc');
    const runsc = registerRunscDefault(cleanup, opts.msbctl, work, flags, progress);
    const sandbox = registerMsbSandboxOverlay(cleanup, opts.msbctl, work, join(repoRoot, 'shim', 'msb-runtime'), progress);
    try {
      return await measureWorkloads(
        cleanup,
        {
          work,
          runtimeName: { msb: 'msb', runsc: runsc.name, runc: 'runc', msbSandbox: sandbox.name },
          opts: opts.workloads,
          runscDirect: runsc.describe,
          runscByMsb: `${flags.runsc} ${flags.runscFlags.join(' ')}`,
        },
        progress,
      );
    } finally {
      runsc.unregister();
      sandbox.unregister();
    }
  };
  // Part 6: Kubernetes pods through containerd's CRI (its own private containerd; no Docker runtime registered).
  const podsPart = async (): Promise<BenchResult['criPods']> => {
    if (opts.podRounds === 0) return undefined;
    const skip = criPodsSkipReason();
    if (skip) {
      problems.push(`part 6 (CRI pods) skipped: ${skip}`);
      return undefined;
    }
    await cleanup.checkpoint();
    const r = await measureCriPods(cleanup, { rounds: opts.podRounds }, progress);
    problems.push(...r.leftovers.map((p) => `after CRI pods: ${p}`));
    return r;
  };
  if (opts.only === 'pods') {
    return { date: new Date().toISOString(), host, msbRunsc: flags, rawWrapperScript: rawWrapperScript(flags), criPods: await podsPart(), problems };
  }
  const checkpointPart = async (): Promise<BenchResult['checkpointRestore']> => {
    if (stdoutOf('docker', ['info', '--format', '{{.ExperimentalBuild}}']).trim() !== 'true') {
      problems.push('checkpoint/restore not measured: dockerd runs without experimental features');
      return undefined;
    }
    await cleanup.checkpoint();
    progress('checkpoint/restore: docker checkpoint create and docker start --checkpoint under msb, next to a cold docker run');
    return measureCheckpointRestore(cleanup, { image: opts.image, rounds: opts.checkpointRounds }, progress);
  };
  if (opts.only === 'checkpoint') {
    const checkpointRestore = await checkpointPart();
    if (checkpointRestore) progress(formatCheckpointRestore(checkpointRestore));
    return {
      date: new Date().toISOString(),
      host,
      msbRunsc: flags,
      rawWrapperScript: rawWrapperScript(flags),
      ...(checkpointRestore ? { checkpointRestore } : {}),
      problems,
    };
  }
  const egressPart = async (): Promise<BenchResult['egress']> => {
    await cleanup.checkpoint();
    progress('egress: an enforced profile against allow-all, both under msb');
    return measureEgress(cleanup, { work, msbctl: opts.msbctl, opts: opts.egress }, progress);
  };
  if (opts.only === 'egress') {
    return { date: new Date().toISOString(), host, msbRunsc: flags, rawWrapperScript: rawWrapperScript(flags), egress: await egressPart(), problems };
  }
  if (opts.only === 'workloads') {
    return { date: new Date().toISOString(), host, msbRunsc: flags, rawWrapperScript: rawWrapperScript(flags), workloads: await workloadsPart(), problems };
  }

  // Part 1: docker run, msb against the raw wrapper registered as its own runtime.
  const dockerRawRoot = join(DOCKER_RUNTIME_ROOT, RAW_ROOT_SUBDIR);
  cleanup.push(`rmdir ${dockerRawRoot}`, () => {
    const left = listDir(dockerRawRoot);
    if (left.length > 0) throw new Error(`${dockerRawRoot} still holds ${left.join(', ')}; left in place`);
    if (existsSync(dockerRawRoot)) rmdirSync(dockerRawRoot);
  });
  progress(`registering ${RAW_RUNTIME_NAME} → ${wrapper} with ${opts.msbctl}`);
  installRuntime(opts.msbctl, RAW_RUNTIME_NAME, wrapper);
  const unregister = cleanup.push(`${opts.msbctl} uninstall --name ${RAW_RUNTIME_NAME}`, () => uninstallRuntime(opts.msbctl, RAW_RUNTIME_NAME));
  const msbRecordsBefore = new Set(listDir(join(DOCKER_RUNTIME_ROOT, 'msb', 'containers')));
  const dockerRun = await measureDockerRun(cleanup, { image: opts.image, pairs: opts.pairs, msbRuntime: 'msb', rawRuntime: RAW_RUNTIME_NAME }, progress);
  uninstallRuntime(opts.msbctl, RAW_RUNTIME_NAME);
  unregister(); // only now: if uninstall failed, the cleanup stack tries again
  progress(`${RAW_RUNTIME_NAME} unregistered`);
  problems.push(...dockerLeftovers(msbRecordsBefore).map((p) => `after docker run: ${p}`));

  // Part 2: each runtime command, shim/msb-runtime against the same wrapper called directly.
  progress(`exporting ${opts.image} into an OCI bundle`);
  const rootfs = exportRootfs(cleanup, opts.image, work);
  const rt = (name: 'msb' | 'raw', path: string): RuntimeUnderTest => ({
    name,
    path,
    root: join(work, `${name}-root`),
    log: join(work, `${name}-log.json`),
    bundle: makeBundle(flags.runsc, work, `${name}-bundle`, rootfs),
  });
  const runtimeCommands = await measureRuntimeCommands(
    cleanup,
    { msb: rt('msb', join(repoRoot, 'shim', 'msb-runtime')), raw: rt('raw', wrapper), rounds: opts.rounds, idPrefix: `msb-bench-${process.pid}`, flags },
    progress,
  );
  problems.push(...runtimeCommands.leftovers.map((p) => `after runtime commands: ${p}`));
  if (opts.only === 'run') {
    return { date: new Date().toISOString(), host, msbRunsc: flags, rawWrapperScript: rawWrapperScript(flags), dockerRun, runtimeCommands, problems };
  }

  // Part 3: krun, docker run → msb's "entering VM" against msb run of the same rootfs.
  let krunBoot: Awaited<ReturnType<typeof measureKrunBoot>> | undefined;
  if (opts.krunPairs > 0) {
    const krunWrapper = writeKrunWrapper(work, join(repoRoot, 'shim', 'msb-runtime'));
    progress(`registering ${KRUN_RUNTIME_NAME} → ${krunWrapper}`);
    installRuntime(opts.msbctl, KRUN_RUNTIME_NAME, krunWrapper);
    const unregisterKrun = cleanup.push(`${opts.msbctl} uninstall --name ${KRUN_RUNTIME_NAME}`, () => uninstallRuntime(opts.msbctl, KRUN_RUNTIME_NAME));
    krunBoot = await measureKrunBoot(
      cleanup,
      { runtime: KRUN_RUNTIME_NAME, image: opts.image, msb: findKrunProvider().msb, rootfs, work, pairs: opts.krunPairs },
      progress,
    );
    uninstallRuntime(opts.msbctl, KRUN_RUNTIME_NAME);
    unregisterKrun();
  }

  const checkpointRestore = await checkpointPart();

  // Part 4: the DNS relay against Docker's embedded DNS.
  const dns = await dnsPart();
  const workloads = await workloadsPart();
  const criPods = await podsPart();
  const egress = await egressPart();
  if (checkpointRestore) progress(formatCheckpointRestore(checkpointRestore));
  return {
    date: new Date().toISOString(),
    host,
    msbRunsc: flags,
    rawWrapperScript: rawWrapperScript(flags),
    dockerRun,
    runtimeCommands,
    ...(krunBoot ? { krunBoot } : {}),
    ...(checkpointRestore ? { checkpointRestore } : {}),
    dns,
    workloads,
    ...(criPods ? { criPods } : {}),
    egress,
    problems,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(argv);
    preflight(opts);
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${err.message}\n`);
      return 0;
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  let result: BenchResult | undefined;
  let error: unknown;
  try {
    result = await runBench(opts, cleanup);
  } catch (err) {
    error = err;
  } finally {
    progress('cleaning up');
    const failures = cleanup.runAll(progress);
    cleanup.removeSignalHandlers();
    result?.problems.push(...failures);
  }
  if (error) {
    // Commands that failed and interruptions explain themselves; anything else gets its stack.
    const plain = error instanceof Interrupted || error instanceof CommandFailed;
    const msg = error instanceof Error ? (plain ? error.message : (error.stack ?? error.message)) : String(error);
    process.stderr.write(`bench failed: ${msg}\n`);
    return cleanup.exitCodeForSignal() ?? 1;
  }
  const r = result as BenchResult;
  writeResult(opts.out, r);
  process.stdout.write(formatReport(r));
  process.stdout.write(`\nwritten to ${opts.out}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
