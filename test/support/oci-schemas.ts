import ajvDraft04 from 'ajv-draft-04';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ociSchemaDir } from './paths.js';

/** OCI_SCHEMA_DIR holds the official runtime-spec JSON Schemas (shared/, beside the checkout). */
export const OCI_SCHEMA_DIR = ociSchemaDir;

/** ociSchemasAvailable says whether the official schemas are there; tests print why they skip. */
export const ociSchemasAvailable = existsSync(OCI_SCHEMA_DIR);

// ajv-draft-04 is CommonJS: under NodeNext its class is the module's `default` property.
const Ajv = ajvDraft04.default;

let ajv: InstanceType<typeof Ajv> | undefined;

function compiler(): InstanceType<typeof Ajv> {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: true, strict: false });
  for (const file of readdirSync(OCI_SCHEMA_DIR).filter((f) => f.endsWith('.json'))) {
    const schema = JSON.parse(readFileSync(join(OCI_SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    delete schema.id;
    ajv.addSchema(schema, file);
  }
  return ajv;
}

/** validateOci checks data against one official schema file; returns the errors, [] when valid. */
export function validateOci(schemaFile: 'config-schema.json' | 'state-schema.json' | 'features-schema.json', data: unknown): string[] {
  const validate = compiler().getSchema(schemaFile);
  if (!validate) throw new Error(`schema ${schemaFile} not loaded`);
  return validate(data) ? [] : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message ?? ''}`);
}
