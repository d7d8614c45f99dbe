import { isIP } from 'node:net';
import { MsbError } from '../base/errors.js';

/**
 * The grammar of microsandbox's `msb run --net-rule` (msb 0.6.18, `msb run --help`), owned here so
 * that one egress profile means the same on both backends: gVisor enforces it on the host
 * (nftables + the DNS relay), krun passes the same tokens to msb.
 *
 *   <action>[:<direction>]@<target>[:<proto>[:<ports>]]     tokens separated by commas
 */

/** GROUPS are msb's group targets (the error text of `msb run --net-rule allow@x` lists them). */
const GROUPS = ['public', 'private', 'loopback', 'link-local', 'meta', 'multicast', 'host'] as const;
export type GroupName = (typeof GROUPS)[number];

type RuleTarget =
  | { kind: 'any' }
  | { kind: 'dns' }
  | { kind: 'group'; group: GroupName }
  | { kind: 'cidr'; family: 4 | 6; address: string; prefix: number }
  | { kind: 'domain'; name: string }
  | { kind: 'suffix'; name: string };

/** EgressRule is one parsed rule token. */
export interface EgressRule {
  action: 'allow' | 'deny';
  direction: 'egress' | 'ingress' | 'any';
  target: RuleTarget;
  protocol: 'any' | 'tcp' | 'udp' | 'icmpv4' | 'icmpv6';
  /** Inclusive port range; undefined = every port. */
  ports?: { from: number; to: number };
  /** The token as written (msb's own form, passed to krun unchanged). */
  token: string;
}

const DIRECTIONS = ['egress', 'ingress', 'any'] as const;
const PROTOCOLS = ['any', 'tcp', 'udp', 'icmpv4', 'icmpv6'] as const;
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function bad(token: string, reason: string): MsbError {
  return new MsbError('invalid-policy', `egress rule ${JSON.stringify(token)}: ${reason}`);
}

function parseDomain(token: string, raw: string, minLabels: number): string {
  const name = raw.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  if (name.length > 253 || !labels.every((l) => LABEL.test(l))) throw bad(token, `${JSON.stringify(raw)} is not a valid domain name`);
  if (labels.length < minLabels) {
    throw bad(
      token,
      minLabels === 2
        ? `suffix ${JSON.stringify(raw)} is a single label and would match a whole top-level domain; give at least two labels (e.g. *.example.com)`
        : `${JSON.stringify(raw)} is not a valid domain name`,
    );
  }
  return name;
}

function parseCidr(token: string, raw: string, family: 4 | 6): RuleTarget {
  const [address = '', prefixText] = raw.split('/');
  if (isIP(address) !== family) throw bad(token, `${JSON.stringify(address)} is not an IPv${family} address`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefixText !== undefined && !/^[0-9]{1,3}$/.test(prefixText)) throw bad(token, `invalid prefix length in ${JSON.stringify(raw)}`);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw bad(token, `prefix length ${prefixText} is out of range 0-${max}`);
  return { kind: 'cidr', family, address, prefix };
}

function parseTarget(token: string, raw: string): RuleTarget {
  if (raw === '') throw bad(token, 'the target after @ is empty');
  if (raw === 'any') return { kind: 'any' };
  if (raw === 'dns') return { kind: 'dns' };
  if ((GROUPS as readonly string[]).includes(raw)) return { kind: 'group', group: raw as GroupName };
  if (raw.startsWith('[') && raw.endsWith(']')) return parseCidr(token, raw.slice(1, -1), 6);
  if (raw.startsWith('domain=')) return { kind: 'domain', name: parseDomain(token, raw.slice('domain='.length), 1) };
  if (raw.startsWith('suffix=')) return { kind: 'suffix', name: parseDomain(token, raw.slice('suffix='.length), 2) };
  if (raw.startsWith('*.')) return { kind: 'suffix', name: parseDomain(token, raw.slice(2), 2) };
  if (/^[0-9.]+(\/[0-9]*)?$/.test(raw)) return parseCidr(token, raw, 4);
  if (!raw.includes('.')) {
    throw bad(
      token,
      `${JSON.stringify(raw)} is neither a group (${GROUPS.join(', ')}, any, dns) nor a domain with a dot; write domain=${raw} for a single-label host name`,
    );
  }
  return { kind: 'domain', name: parseDomain(token, raw, 1) };
}

function parsePorts(token: string, raw: string): EgressRule['ports'] {
  if (raw === 'any') return undefined;
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(raw);
  const from = Number(m?.[1]);
  const to = m?.[2] === undefined ? from : Number(m[2]);
  if (!m || from > 65535 || to > 65535) throw bad(token, `${JSON.stringify(raw)} is not a port: expected any, <port> or <lo>-<hi> (0-65535)`);
  if (from > to) throw bad(token, `port range ${raw} runs backwards`);
  return { from, to };
}

/** splitTarget separates the target from :proto:ports; an IPv6 target is written in brackets. */
function splitTarget(token: string, rest: string): [string, string[]] {
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) throw bad(token, 'an IPv6 target opened with [ is not closed with ]');
    const after = rest.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) throw bad(token, 'unexpected text after ]; expected :<proto> or the end of the token');
    return [rest.slice(0, end + 1), after === '' ? [] : after.slice(1).split(':')];
  }
  const [target = '', ...more] = rest.split(':');
  return [target, more];
}

/** parseRuleToken parses one token; an error names the token and the reason. */
export function parseRuleToken(raw: string): EgressRule {
  const token = raw.trim();
  const at = token.indexOf('@');
  if (at < 0) throw bad(token, 'missing @; expected <action>[:<direction>]@<target>[:<proto>[:<ports>]]');
  const [action = '', direction = 'egress', extra] = token.slice(0, at).split(':');
  if (extra !== undefined) throw bad(token, 'too many : before @');
  if (action !== 'allow' && action !== 'deny') throw bad(token, `${JSON.stringify(action)} is not an action (allow or deny)`);
  if (!(DIRECTIONS as readonly string[]).includes(direction)) throw bad(token, `${JSON.stringify(direction)} is not a direction (${DIRECTIONS.join(', ')})`);
  const [targetText, tail] = splitTarget(token, token.slice(at + 1));
  if (tail.length > 2) throw bad(token, 'too many : after the target; expected <target>[:<proto>[:<ports>]]');
  const [protocol = 'any', portsText] = tail;
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw bad(token, `${JSON.stringify(protocol)} is not a protocol (${PROTOCOLS.join(', ')})`);
  const ports = portsText === undefined ? undefined : parsePorts(token, portsText);
  if (ports && protocol !== 'tcp' && protocol !== 'udp') throw bad(token, 'ports need protocol tcp or udp');
  return {
    action,
    direction: direction as EgressRule['direction'],
    target: parseTarget(token, targetText),
    protocol: protocol as EgressRule['protocol'],
    ...(ports ? { ports } : {}),
    token,
  };
}

/** parseRules parses rule strings, each a comma-separated list of tokens (msb's --net-rule values). */
export function parseRules(values: readonly string[]): EgressRule[] {
  return values
    .flatMap((v) => v.split(','))
    .map((t) => {
      if (t.trim() === '') throw bad(t, 'empty rule token (two commas in a row, or a trailing comma)');
      return parseRuleToken(t);
    });
}
