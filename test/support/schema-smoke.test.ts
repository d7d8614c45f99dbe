import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OCI_SCHEMA_DIR, ociSchemasAvailable, validateOci } from './oci-schemas.js';

if (!ociSchemasAvailable) console.warn(`SKIP oci schema smoke: ${OCI_SCHEMA_DIR} not found`);

describe.skipIf(!ociSchemasAvailable)('official OCI schemas (test support)', () => {
  it('accept Docker 20.10 config.json and reject a bad state', () => {
    const docker = JSON.parse(readFileSync(join(OCI_SCHEMA_DIR, '../examples/docker-20.10-config.json'), 'utf8'));
    expect(validateOci('config-schema.json', docker)).toEqual([]);
    expect(validateOci('state-schema.json', { ociVersion: '1.0.2', id: 'x', status: 'bogus', bundle: '/x' })).not.toEqual([]);
  });
});
