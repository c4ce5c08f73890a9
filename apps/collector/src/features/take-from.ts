/**
 * Removes and returns up to `limit` members of a set, oldest first (a Set iterates in insertion
 * order): how dirty engine states are saved a bounded number per cycle, so the cycle after a
 * minute boundary, when every engine has committed a bar, does not encode all of them at once.
 */
export function takeFrom<T>(set: Set<T>, limit: number): T[] {
  const out: T[] = [];
  for (const item of set) {
    if (out.length >= limit) break;
    out.push(item);
  }
  for (const item of out) set.delete(item);
  return out;
}
