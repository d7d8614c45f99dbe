import type { ContainerEgress } from './host-enforcement.js';
import { type Listing, objectNames } from './nft-ruleset.js';

/** EgressStatus is one container's enforcement as the kernel holds it (`msbctl egress status`). */
export interface EgressStatus {
  id: string;
  profile: string;
  /** false when the table holds no chain for it (nothing installed, or removed). */
  installed: boolean;
  interfaces: string[];
  mark?: string;
  dropped: { packets: number; bytes: number };
  /** Addresses the relay learned, per name rule, with the seconds left. */
  learned: { rule: string; address: string; expiresInSeconds: number }[];
  /** The egress bandwidth shaping (egressBandwidth), as egress.json records it. */
  shaping?: { bytesPerSecond: number; bucketBytes: number };
}

/** egressStatus joins the records' egress.json with `nft -j list table inet msb`. */
export function egressStatus(listing: Listing, containers: readonly { id: string; egress: ContainerEgress }[]): EgressStatus[] {
  return containers.map(({ id, egress }) => {
    const n = objectNames(egress.key);
    const counter = listing.find((o) => o.counter?.name === n.counter)?.counter;
    const learned = egress.names.flatMap((rule) => {
      const set = listing.find((o) => o.set?.name === rule.set)?.set;
      const elems = (set?.elem ?? []) as { elem?: { val?: string; expires?: number } }[];
      const label = `${rule.action}@${rule.kind === 'suffix' ? '*.' : ''}${rule.name}`;
      return elems.flatMap((e) => (typeof e.elem?.val === 'string' ? [{ rule: label, address: e.elem.val, expiresInSeconds: e.elem.expires ?? 0 }] : []));
    });
    return {
      id,
      profile: egress.profile,
      installed: listing.some((o) => o.chain?.name === n.chain),
      interfaces: egress.networks.map((x) => `${x.veth} ${x.address}/${x.prefix}`),
      ...(egress.mark !== undefined ? { mark: `0x${egress.mark.toString(16)}` } : {}),
      dropped: { packets: Number(counter?.packets ?? 0), bytes: Number(counter?.bytes ?? 0) },
      learned,
      ...(egress.shaping ? { shaping: { bytesPerSecond: egress.shaping.bytesPerSecond, bucketBytes: egress.shaping.bucketBytes } } : {}),
    };
  });
}

/** formatEgressStatus is the human form: one block per container. */
export function formatEgressStatus(rows: readonly EgressStatus[]): string {
  if (rows.length === 0) return 'no container under msb has an enforced egress profile\n';
  return rows
    .map((r) => {
      const shaped = r.shaping ? `  shaped to ${r.shaping.bytesPerSecond} bytes/s (bucket ${r.shaping.bucketBytes} bytes)` : '';
      const head = `${r.id.slice(0, 12)}  ${r.profile}  ${r.installed ? `dropped ${r.dropped.packets} packets (${r.dropped.bytes} bytes)` : 'NOT INSTALLED'}  ${r.interfaces.join(', ') || 'no interface'}${shaped}`;
      const learned = r.learned.map((l) => `    ${l.address} for ${l.rule}, ${l.expiresInSeconds} s left\n`).join('');
      return `${head}\n${learned}`;
    })
    .join('');
}
