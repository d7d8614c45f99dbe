import { describe, expect, it } from 'vitest';
import { MsbError, type ErrorCode } from '../base/errors.js';
import { ISOLATION_ANNOTATION } from './annotations.js';
import { type Policy, withDefaults } from './policy.js';
import { selectBackend, type BackendChoice } from './select-backend.js';

const SOURCE = '/etc/msb/policy.json';

function policy(isolation: Partial<Policy['isolation']> = {}): Policy {
  return withDefaults({ isolation }, SOURCE);
}

const ann = (value: string): Record<string, string> => ({ [ISOLATION_ANNOTATION]: value });

const NOT_SET_ANNOTATION = `annotation ${ISOLATION_ANNOTATION}: not set`;
const NOT_SET_ARGS = 'runtime argument --isolation: not set';

describe('selectBackend: order annotation > runtime args > policy default', () => {
  // Two runnable backends, both allowed, so that each source can be seen winning.
  const both = policy({ default: 'gvisor', allowed: ['gvisor', 'other'] });
  const available = ['gvisor', 'other'];

  it.each<{ name: string; args?: string; annotations?: Record<string, string>; choice: BackendChoice }>([
    {
      name: 'nothing set: the policy default',
      choice: { name: 'gvisor', source: 'policy', trail: [NOT_SET_ANNOTATION, NOT_SET_ARGS, `policy default (${SOURCE}): gvisor (chosen)`] },
    },
    {
      name: 'runtime args over the policy default',
      args: 'other',
      choice: { name: 'other', source: 'runtime-args', trail: [NOT_SET_ANNOTATION, 'runtime argument --isolation: other (chosen)'] },
    },
    {
      name: 'the annotation over runtime args',
      args: 'gvisor',
      annotations: ann('other'),
      choice: { name: 'other', source: 'annotation', trail: [`annotation ${ISOLATION_ANNOTATION}: other (chosen)`] },
    },
    {
      name: 'the annotation over the policy default',
      annotations: { ...ann('other'), unrelated: 'x' },
      choice: { name: 'other', source: 'annotation', trail: [`annotation ${ISOLATION_ANNOTATION}: other (chosen)`] },
    },
    {
      name: 'unrelated annotations do not count',
      annotations: { 'io.msb.other': 'other' },
      choice: { name: 'gvisor', source: 'policy', trail: [NOT_SET_ANNOTATION, NOT_SET_ARGS, `policy default (${SOURCE}): gvisor (chosen)`] },
    },
  ])('$name', ({ args, annotations, choice }) => {
    expect(selectBackend(both, args, annotations, available)).toEqual(choice);
  });

  it('the default policy with no request chooses gvisor', () => {
    expect(selectBackend(withDefaults({}, 'built-in defaults'), undefined, undefined, ['gvisor']).name).toBe('gvisor');
  });
});

describe('selectBackend: refusals (msb never falls back)', () => {
  it.each<{ name: string; policy: Policy; args?: string; annotations?: Record<string, string>; available?: string[]; code: ErrorCode; message: RegExp }>([
    {
      name: 'a backend this build lacks',
      policy: policy(),
      args: 'krun',
      code: 'invalid-argument',
      message: /^unknown isolation "krun" \(from runtime argument --isolation\); known: gvisor$/,
    },
    {
      name: 'an unknown backend',
      policy: policy(),
      args: 'bogus',
      code: 'invalid-argument',
      message: /^unknown isolation "bogus" \(from runtime argument --isolation\); known: gvisor$/,
    },
    {
      name: 'an unknown annotation value',
      policy: policy(),
      annotations: ann('kata'),
      code: 'invalid-argument',
      message: /unknown isolation "kata" \(from annotation io\.msb\.isolation\)/,
    },
    {
      name: 'a runnable backend the policy does not allow',
      policy: policy({ allowed: ['gvisor'] }),
      annotations: ann('other'),
      available: ['gvisor', 'other'],
      code: 'forbidden',
      message: /^isolation "other" \(from annotation io\.msb\.isolation\) is not allowed by policy \/etc\/msb\/policy\.json \(allowed: gvisor\)$/,
    },
    {
      name: 'a policy default outside allowed',
      policy: policy({ allowed: ['krun'] }),
      code: 'forbidden',
      message: /isolation "gvisor" \(from policy default .*\) is not allowed by policy/,
    },
    {
      name: 'any annotation when allowAnnotation=false',
      policy: policy({ allowAnnotation: false }),
      annotations: ann('gvisor'),
      code: 'forbidden',
      message: /^annotation io\.msb\.isolation=gvisor is not allowed by policy \/etc\/msb\/policy\.json$/,
    },
    {
      name: 'runtime args when allowRuntimeArgs=false',
      policy: policy({ allowRuntimeArgs: false }),
      args: 'gvisor',
      code: 'forbidden',
      message: /^runtime argument --isolation=gvisor is not allowed by policy/,
    },
    {
      name: 'an annotation refused even when runtime args would be fine',
      policy: policy({ allowAnnotation: false }),
      args: 'gvisor',
      annotations: ann('gvisor'),
      code: 'forbidden',
      message: /^annotation io\.msb\.isolation=gvisor is not allowed/,
    },
  ])('$name', (c) => {
    let caught: unknown;
    try {
      selectBackend(c.policy, c.args, c.annotations, c.available ?? ['gvisor']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MsbError);
    expect((caught as MsbError).code).toBe(c.code);
    expect((caught as MsbError).message).toMatch(c.message);
  });

  it('allowAnnotation=false does not matter when no annotation is set', () => {
    expect(selectBackend(policy({ allowAnnotation: false, allowRuntimeArgs: false }), undefined, {}, ['gvisor']).source).toBe('policy');
  });
});
