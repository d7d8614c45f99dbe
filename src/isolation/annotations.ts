import { MsbError } from '../oci/errors.js';

/** ISOLATION_ANNOTATION selects a container's backend, within what policy allows. */
export const ISOLATION_ANNOTATION = 'io.msb.isolation';

/** KNOWN_ANNOTATIONS is the allow-list of per-container knobs, each with its value check. */
export const KNOWN_ANNOTATIONS: Readonly<Record<string, { describe: string; valid: RegExp; expected: string }>> = {
  [ISOLATION_ANNOTATION]: {
    describe: 'the sandbox this container runs in',
    valid: /^[a-z][a-z0-9-]{0,31}$/,
    expected: 'a backend name such as "gvisor"',
  },
};

/**
 * checkAnnotations refuses io.msb.* keys msb does not know, values that do not parse, and
 * dev.gvisor.flag.* keys: runsc flags are set from policy, and an annotation that runsc would
 * silently ignore (it needs --allow-flag-override) must not look as if it took effect.
 */
export function checkAnnotations(annotations: Readonly<Record<string, string>> | undefined): void {
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (key.startsWith('dev.gvisor.flag.')) {
      throw new MsbError('forbidden', `annotation ${key} is not allowed: msb sets runsc flags from its policy`);
    }
    if (!key.startsWith('io.msb.')) continue;
    const known = KNOWN_ANNOTATIONS[key];
    if (!known) {
      throw new MsbError('invalid-argument', `unknown annotation ${key} (known: ${Object.keys(KNOWN_ANNOTATIONS).join(', ')})`);
    }
    if (!known.valid.test(value)) {
      throw new MsbError('invalid-argument', `annotation ${key}=${JSON.stringify(value)} is invalid: expected ${known.expected}`);
    }
  }
}
