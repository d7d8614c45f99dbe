/** ResolvConf is the part of a resolv.conf that resolvers act on. */
export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

/** DOCKER_EMBEDDED_DNS is the address of Docker's embedded resolver on user-defined networks. */
export const DOCKER_EMBEDDED_DNS = '127.0.0.11';

/** parseResolvConf reads nameserver, search/domain and options lines; the last search wins. */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const line of text.split('\n')) {
    const words = line
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    const [keyword, ...rest] = words;
    if (keyword === 'nameserver' && rest[0]) conf.nameservers.push(rest[0]);
    else if (keyword === 'search' || keyword === 'domain') conf.search = rest;
    else if (keyword === 'options') conf.options.push(...rest);
  }
  return conf;
}

/** formatResolvConf writes a resolv.conf with a comment header. */
export function formatResolvConf(conf: ResolvConf, header: readonly string[]): string {
  const lines = header.map((h) => `# ${h}`);
  if (conf.search.length > 0) lines.push(`search ${conf.search.join(' ')}`);
  for (const ns of conf.nameservers) lines.push(`nameserver ${ns}`);
  if (conf.options.length > 0) lines.push(`options ${conf.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** isLoopback is true for addresses that inside a sandbox name the sandbox itself. */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}
