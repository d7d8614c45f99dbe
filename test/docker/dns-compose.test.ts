// Service discovery under gVisor with real compose (docker-compose 1.29, runtime: per service):
// three services on a custom network resolve each other by service name, container name and
// alias through msb's DNS relay and talk over TCP; a scaled service resolves to every replica;
// external names go to the policy's upstream, a DNS server of the test's own on a host address.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { installAlias, uninstallAlias } from '../support/dns-alias.js';
import { containerIp, networkGateway, nslookupAddresses } from '../support/dns-docker.js';
import { startUpstream, UPSTREAM_A, type UpstreamServer } from '../support/dns-upstream.js';
import { docker, dockerOk, dockerSkipReason, freshNetwork } from '../support/docker.js';

const ALIAS = 'msb-dns-compose';
const PROJECT = 'msbdnscompose';
const NETWORK = `${PROJECT}_backend`;
const UPSTREAM_NET = 'msb-dns-compose-upstream';
const dir = mkdtempSync(join(tmpdir(), 'msb-dns-compose-'));
const composeFile = join(dir, 'docker-compose.yml');
const policy = join(dir, 'policy.json');

function composeSkip(): string | undefined {
  const r = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'docker-compose is not installed (apt-get install docker-compose)';
  return dockerSkipReason('runc');
}
const skipReason = composeSkip();
if (skipReason) console.warn(`SKIP dns compose suite: ${skipReason}`);

function compose(args: string[]): string {
  const r = spawnSync('docker-compose', ['-p', PROJECT, '-f', composeFile, ...args], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`docker-compose ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const serve = 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www';
const services = {
  web: { aliases: ['frontend'], containerName: 'msb-dns-compose-web' },
  api: { aliases: ['backend-api'], containerName: 'msb-dns-compose-api' },
  db: { aliases: ['database'], containerName: 'msb-dns-compose-db' },
} as const;
type Service = keyof typeof services;
const names = Object.keys(services) as Service[];

let upstream: UpstreamServer | undefined;

beforeAll(async () => {
  if (skipReason) return;
  freshNetwork(UPSTREAM_NET);
  upstream = await startUpstream(networkGateway(UPSTREAM_NET));
  writeFileSync(policy, JSON.stringify({ dns: { upstreams: [upstream.address] } }));
  await installAlias(ALIAS, policy);
  const svc = (name: Service): object => ({
    image: 'local/busybox',
    runtime: ALIAS,
    container_name: services[name].containerName,
    command: ['sh', '-c', serve],
    networks: { backend: { aliases: [...services[name].aliases] } },
  });
  writeFileSync(
    composeFile,
    stringify({
      version: '2.4',
      services: {
        web: svc('web'),
        api: svc('api'),
        db: svc('db'),
        replica: { image: 'local/busybox', runtime: ALIAS, command: ['sleep', '600'], networks: ['backend'] },
      },
      networks: { backend: {} },
    }),
  );
  compose(['up', '-d', '--scale', 'replica=3']);
}, 300_000);

afterAll(async () => {
  if (skipReason) return;
  spawnSync('docker-compose', ['-p', PROJECT, '-f', composeFile, 'down', '-t', '1'], { encoding: 'utf8', timeout: 300_000 });
  docker(['network', 'rm', UPSTREAM_NET]);
  await upstream?.close();
  uninstallAlias(ALIAS);
  rmSync(dir, { recursive: true, force: true });
}, 300_000);

describe.skipIf(skipReason !== undefined)('compose service discovery under msb (gVisor)', () => {
  it('every service runs under the msb alias and its resolv.conf names the relay on the network gateway', () => {
    const gateway = networkGateway(NETWORK);
    for (const s of names) {
      expect(dockerOk(['inspect', '-f', '{{.HostConfig.Runtime}}', services[s].containerName]).trim()).toBe(ALIAS);
      expect(dockerOk(['exec', services[s].containerName, 'cat', '/etc/resolv.conf'])).toMatch(
        new RegExp(`^nameserver ${gateway.replaceAll('.', '\\.')}$`, 'm'),
      );
    }
  });

  it.each(names)('%s resolves the other services by service name, container name and alias', async (from) => {
    for (const to of names.filter((n) => n !== from)) {
      const ip = containerIp(services[to].containerName, NETWORK);
      for (const name of [to, services[to].containerName, ...services[to].aliases]) {
        expect(await nslookupAddresses(services[from].containerName, name), `${from} → ${name}`).toEqual([ip]);
      }
    }
  });

  it.each(names)('%s connects to the other services over TCP by service name', (from) => {
    for (const to of names.filter((n) => n !== from)) {
      const body = dockerOk(['exec', services[from].containerName, 'wget', '-q', '-O', '-', `http://${to}:8080/`]);
      expect(body.trim()).toBe(dockerOk(['exec', services[to].containerName, 'hostname']).trim());
    }
  });

  it('a scaled service resolves to all its replicas', async () => {
    const replicas = dockerOk(['ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', 'label=com.docker.compose.service=replica'])
      .trim()
      .split('\n');
    expect(replicas).toHaveLength(3);
    const ips = replicas.map((id) => containerIp(id, NETWORK)).sort();
    expect(await nslookupAddresses(services.web.containerName, 'replica')).toEqual(ips);
  });

  it("external names: Docker's own answer where its resolver forwards them itself, else the upstream the policy names (the test's own server)", async () => {
    // Docker up to 27 forwards external names from inside the container's netns, which has no route
    // once gVisor holds the interfaces: its resolver stays silent and the relay asks the policy's
    // upstream. Docker 28 forwards from the host (measured: NXDOMAIN from the host's resolvers),
    // and the relay, which asks Docker first, gives what a runc container gets. Ask Docker's
    // resolver in the sandbox's netns directly to know which case this engine is.
    const pid = dockerOk(['inspect', '-f', '{{.State.Pid}}', services.api.containerName]).trim();
    const dig = spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, 'dig', '+time=3', '+tries=1', '@127.0.0.11', 'www.ext.test', 'A'], { encoding: 'utf8' });
    const status = /status: ([A-Z]+)/.exec(dig.stdout)?.[1];
    const got = await nslookupAddresses(services.api.containerName, 'www.ext.test');
    if (status === 'NOERROR' || status === 'NXDOMAIN') {
      const docker = [...dig.stdout.matchAll(/^www\.ext\.test\.\s+\d+\s+IN\s+A\s+(\S+)$/gm)].map((m) => m[1] as string).sort();
      expect(got, `Docker answered ${status} itself`).toEqual(docker);
    } else {
      expect(got, `Docker's resolver said ${status ?? 'nothing'}`).toEqual([UPSTREAM_A]);
      expect(upstream?.asked).toContain('www.ext.test 1 udp');
    }
  });
});
