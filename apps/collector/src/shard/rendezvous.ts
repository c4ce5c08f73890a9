/**
 * Rendezvous (highest-random-weight) hashing: every collector computes, from the same list of
 * live collectors, the same owner for each symbol — no coordinator, and when a collector joins
 * or leaves only the symbols it wins or held move (about 1/n of them), not a reshuffle.
 */

/** FNV-1a over the string, then murmur3's finaliser so close inputs spread over the whole range. */
function weight(member: string, symbol: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < member.length; i++) h = Math.imul(h ^ member.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0, 0x01000193);
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The member that owns `symbol` (ties, vanishingly rare, go to the smaller id); undefined if none. */
export function ownerOf(symbol: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const m of members) {
    const w = weight(m, symbol);
    if (w > bestWeight || (w === bestWeight && best !== undefined && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

/** The symbols `me` owns among `members` (which should include `me`). */
export function shareOf<T extends { symbol: string }>(me: string, all: readonly T[], members: readonly string[]): T[] {
  return all.filter((s) => ownerOf(s.symbol, members) === me);
}
