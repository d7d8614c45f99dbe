import { describe, expect, it } from 'vitest';
import { inspectDoc } from '../../../test/support/fake-fleet-docker.js';
import { planRecreate } from './recreate-plan.js';

describe('planRecreate', () => {
  it.each([
    [{ State: { Running: false, Status: 'exited' } }, /is not running \(status exited\)/],
    [{ HostConfig: { AutoRemove: true } }, /started with --rm/],
    [{ HostConfig: { NetworkMode: 'host' } }, /--network host\), which msb refuses/],
    [{ HostConfig: { NetworkMode: 'container:abc' } }, /joins another container's network namespace \(container:abc\)/],
    [{ HostConfig: { Privileged: true } }, /is privileged/],
    [{ HostConfig: { PidMode: 'host' } }, /--pid host/],
    [{ HostConfig: { IpcMode: 'container:db' } }, /--ipc container:db/],
    [{ HostConfig: { Devices: [{ PathOnHost: '/dev/fuse' }] } }, /host devices/],
    [{ HostConfig: { DeviceRequests: [{ Count: -1 }] } }, /host devices/],
  ])('refuses %o', (over, reason) => {
    const v = planRecreate(inspectDoc('web', over), 'msb', 'sha256:img');
    expect(v.plan).toBeUndefined();
    expect(v.reasons).toEqual([expect.stringMatching(reason)]);
  });

  it('keeps Config and HostConfig, swaps the runtime and carries networks, aliases, addresses and links', () => {
    const c = inspectDoc('web', {
      Config: { Env: ['A=1'], Labels: { a: 'b' }, User: '1000', WorkingDir: '/srv', ExposedPorts: { '8080/tcp': {} } },
      HostConfig: {
        NetworkMode: 'front',
        PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
        Memory: 1 << 28,
        Links: ['/db:/web/database'],
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
      },
      Networks: {
        // Docker adds the short id as an alias (inspectDoc's id for web starts aeb000000000).
        front: { NetworkID: 'n1', Aliases: ['webalias', 'aeb000000000'], IPAMConfig: { IPv4Address: '10.0.0.5' } },
        back: { NetworkID: 'n2', Aliases: ['api'], IPAMConfig: {} },
      },
    });
    const plan = planRecreate(c, 'msb', 'sha256:img').plan!;
    expect(plan.create).toMatchObject({
      Image: 'local/busybox',
      Env: ['A=1'],
      Labels: { a: 'b' },
      User: '1000',
      WorkingDir: '/srv',
      ExposedPorts: { '8080/tcp': {} },
    });
    expect(plan.create.HostConfig).toMatchObject({
      Runtime: 'msb',
      NetworkMode: 'front',
      Memory: 1 << 28,
      RestartPolicy: { Name: 'always' },
      Links: ['db:database'],
      LogConfig: { Config: { 'max-size': '1m' } },
    });
    expect(plan.create.NetworkingConfig).toEqual({
      EndpointsConfig: { front: { NetworkID: 'n1', Aliases: ['webalias'], IPAMConfig: { IPv4Address: '10.0.0.5' } } },
    });
    expect(plan.extraNetworks).toEqual([{ network: 'back', endpoint: { NetworkID: 'n2', Aliases: ['api'] } }]);
    expect(plan.summary).toContain('network front (aliases webalias; ip 10.0.0.5)');
    expect(plan.summary).toContain('port 127.0.0.1:8080 → 8080/tcp');
  });

  it('reattaches anonymous volumes by name and keeps named volumes and binds as they are', () => {
    const c = inspectDoc('web', {
      Config: { Volumes: { '/cache': {}, '/data': {} } },
      HostConfig: { Binds: ['data:/data', '/etc/app:/etc/app:ro'] },
      Mounts: [
        { Type: 'volume', Name: 'data', Destination: '/data', RW: true },
        { Type: 'bind', Source: '/etc/app', Destination: '/etc/app', RW: false },
        { Type: 'volume', Name: 'f00d', Destination: '/cache', RW: true },
      ],
    });
    const plan = planRecreate(c, 'msb', 'sha256:img').plan!;
    expect(plan.create.HostConfig?.Binds).toEqual(['data:/data', '/etc/app:/etc/app:ro', 'f00d:/cache']);
    expect(plan.create.Volumes).toEqual({ '/data': {} });
    expect(plan.summary).toContain('mount volume f00d → /cache (anonymous volume, reattached by name)');
  });

  it('reattaches --mount volumes that have no source by the name Docker gave them', () => {
    const c = inspectDoc('web', {
      HostConfig: {
        Mounts: [
          { Type: 'volume', Target: '/data' },
          { Type: 'volume', Source: 'named', Target: '/named' },
          { Type: 'bind', Source: '/etc/app', Target: '/etc/app' },
        ],
      },
      Mounts: [
        { Type: 'volume', Name: 'c0ffee', Destination: '/data', RW: true },
        { Type: 'volume', Name: 'named', Destination: '/named', RW: true },
        { Type: 'bind', Source: '/etc/app', Destination: '/etc/app', RW: true },
      ],
    });
    const plan = planRecreate(c, 'msb', 'sha256:img').plan!;
    expect(plan.create.HostConfig?.Mounts).toEqual([
      { Type: 'volume', Source: 'c0ffee', Target: '/data' },
      { Type: 'volume', Source: 'named', Target: '/named' },
      { Type: 'bind', Source: '/etc/app', Target: '/etc/app' },
    ]);
    expect(plan.create.HostConfig?.Binds).toEqual([]);
    expect(plan.summary).toContain('mount volume c0ffee → /data (anonymous volume, reattached by name)');
    expect(plan.summary).toContain('mount volume named → /named');
  });

  it('uses the old image id when the tag has moved, and warns about compose-managed containers and sockets', () => {
    const c = inspectDoc('web', { Config: { Labels: { 'com.docker.compose.project': 'shop' } }, HostConfig: { Binds: ['/run/agent.sock:/run/agent.sock'] } });
    const plan = planRecreate(c, 'msb', 'sha256:other').plan!;
    expect(plan.create.Image).toBe('sha256:img');
    expect(plan.warnings).toEqual([
      expect.stringContaining('local/busybox now names another image'),
      expect.stringContaining('docker-compose project shop'),
      expect.stringContaining('host Unix socket'),
    ]);
  });
});
