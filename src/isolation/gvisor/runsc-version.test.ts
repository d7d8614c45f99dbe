import { describe, expect, it } from 'vitest';
import { parseRunscVersion, type RunscVersion } from './runsc-version.js';

describe('parseRunscVersion', () => {
  it.each<[string, RunscVersion]>([
    ['runsc version 0.0~20221219.0\nspec: 1.0.2-dev\n', { raw: '0.0~20221219.0', date: 20221219 }], // Debian bookworm
    ['runsc version 0.0~20240729.0\nspec: 1.1.0\n', { raw: '0.0~20240729.0', date: 20240729 }], // Debian trixie
    ['runsc version release-20240807.0', { raw: 'release-20240807.0', date: 20240807 }], // upstream
    ['runsc version release-20240807.0\r\nspec: 1.1.0-rc.1', { raw: 'release-20240807.0', date: 20240807 }],
    ['  runsc version release-20230605.0  \n', { raw: 'release-20230605.0', date: 20230605 }],
    ['runsc version 0.0~20221219.0+ds1-2', { raw: '0.0~20221219.0+ds1-2', date: 20221219 }],
    ['garbage', { raw: 'garbage' }],
    ['', { raw: '' }],
    ['runsc version 6f1ab3e9c', { raw: '6f1ab3e9c' }],
    ['runsc version v1.2.3', { raw: 'v1.2.3' }],
    ['runsc version 120240807', { raw: '120240807' }], // nine digits are not a date
    ['spec: 1.0.2\nrunsc version release-20240807.0', { raw: 'spec: 1.0.2' }], // only the first line counts
  ])('%j', (output, expected) => {
    expect(parseRunscVersion(output)).toEqual(expected);
  });
});
