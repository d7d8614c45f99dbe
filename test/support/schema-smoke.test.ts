import { describe, expect, it } from 'vitest';
import { dockerConfig } from './docker-config.js';
import { OCI_SCHEMA_DIR, ociSchemasAvailable, validateOci } from './oci-schemas.js';

if (!ociSchemasAvailable) console.warn(`SKIP oci schema smoke: ${OCI_SCHEMA_DIR} not found`);

describe.skipIf(!ociSchemasAvailable)('official OCI schemas (test support)', () => {
  const fixture = dockerConfig();
  it("accept Docker's config.json and reject a bad state", () => {
    if ('text' in fixture) expect(validateOci('config-schema.json', JSON.parse(fixture.text))).toEqual([]);
    else console.warn(`SKIP the schema check of Docker's config.json: ${fixture.skip}`);
    expect(validateOci('state-schema.json', { ociVersion: '1.0.2', id: 'x', status: 'bogus', bundle: '/x' })).not.toEqual([]);
  });
});
