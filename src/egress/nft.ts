import { spawnSync } from 'node:child_process';
import { MsbError } from '../base/errors.js';
import { whichSystem } from '../base/which.js';

/** NftRun applies a batch of `nft -j` commands atomically (all or nothing); tests pass a recorder. */
export type NftRun = (commands: readonly object[]) => { ok: true } | { ok: false; error: string };

/** NFT_TIMEOUT_MS bounds one nft call (a wedged netlink must not hold create or delete). */
const NFT_TIMEOUT_MS = 10_000;

/** findNft is the nft binary, or a host-unsupported error saying how to get it. */
export function findNft(): string {
  const path = whichSystem('nft');
  if (!path)
    throw new MsbError(
      'host-unsupported',
      'egress: nft not found (apt-get install nftables); an egress profile other than allow-all cannot be enforced for gVisor without it',
    );
  return path;
}

/**
 * realNft runs `nft -j '<batch>'`: the batch as one argument (nft cannot read -f - from the
 * socket Node gives a child as stdin: "Could not open file /dev/stdin"), so it must stay under
 * the kernel's 128 KiB per argument; a container's batch is a few KiB.
 */
export function realNft(nft: string = findNft()): NftRun {
  return (commands) => {
    const text = JSON.stringify({ nftables: commands });
    if (text.length > 120_000) return { ok: false, error: `nft batch of ${text.length} bytes is too large for one argument` };
    const r = spawnSync(nft, ['-j', text], { encoding: 'utf8', timeout: NFT_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) return { ok: false, error: r.error.message };
    if (r.status !== 0) return { ok: false, error: (r.stderr || `exit ${r.status}`).trim().split('\n')[0] ?? `exit ${r.status}` };
    return { ok: true };
  };
}

/** listTable returns `nft -j list table inet msb` as parsed JSON objects, or [] when there is no table. */
export function listTable(nft: string = findNft()): Record<string, Record<string, unknown>>[] {
  const r = spawnSync(nft, ['-j', 'list', 'table', 'inet', 'msb'], { encoding: 'utf8', timeout: NFT_TIMEOUT_MS });
  if (r.status !== 0) return [];
  try {
    return (JSON.parse(r.stdout) as { nftables: Record<string, Record<string, unknown>>[] }).nftables;
  } catch {
    return [];
  }
}
