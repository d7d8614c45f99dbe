import { describe, expect, it } from 'vitest';
import { MsbError } from '../../../base/errors.js';
import type { Finding } from '../check.js';
import { fakeContext } from '../fake-host.js';
import { krunProviderCheck, libkrunfwVersion } from './krun-provider.js';

const MSB = '/opt/msb/node_modules/@superradcompany/microsandbox-linux-x64-gnu/bin/msb';
const missing = (): never => {
  throw new MsbError(
    'host-unsupported',
    "krun: the npm package @superradcompany/microsandbox-linux-x64-gnu (microsandbox's msb and libkrunfw) is not installed",
  );
};

describe('krunProviderCheck', () => {
  it.each([
    { name: 'installed', spec: {}, status: 'ok', summary: /^msb 0\.6\.18 \(.*bin\/msb\), libkrunfw 5\.6\.1/ },
    { name: 'not installed', spec: { host: { findKrunProvider: missing } }, status: 'warn', summary: /microsandbox not found: krun: the npm package/ },
    {
      name: 'not installed, krun the default',
      spec: { host: { findKrunProvider: missing }, files: { '/etc/msb/policy.json': '{"isolation":{"default":"krun"}}' } },
      status: 'fail',
      summary: /not found/,
    },
    {
      name: 'msb --version fails',
      spec: { commands: { [`${MSB} --version`]: { status: 127, stdout: '', stderr: 'error while loading shared libraries: libcap-ng.so.0\n' } } },
      status: 'warn',
      summary: /--version fails: error while loading shared libraries/,
    },
  ])('$name → $status', ({ spec, status, summary }) => {
    const r = krunProviderCheck.run(fakeContext(spec)) as Finding;
    expect(r.status).toBe(status);
    expect(r.summary).toMatch(summary);
    if (status !== 'ok') expect(r.fix).toMatch(/npm/);
  });

  it("reads libkrunfw's version from its file name", () => {
    expect(libkrunfwVersion('/x/lib/libkrunfw.so.5.6.1')).toBe('5.6.1');
    expect(libkrunfwVersion('/x/lib/libkrunfw.so')).toBeUndefined();
  });
});
