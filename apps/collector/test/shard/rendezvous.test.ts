import { describe, expect, it } from 'vitest';
import { ownerOf, shareOf } from '../../src/shard/rendezvous';

const symbols = Array.from({ length: 3_000 }, (_, i) => ({ symbol: `S${i}` }));
const owners = (members: string[]) => new Map(symbols.map((s) => [s.symbol, ownerOf(s.symbol, members)]));

describe('rendezvous hashing', () => {
  it('gives every symbol exactly one owner, and each of 3 collectors about a third', () => {
    const members = ['collector-a', 'collector-b', 'collector-c'];
    const shares = members.map((m) => shareOf(m, symbols, members).length);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(symbols.length);
    for (const n of shares) expect(Math.abs(n - 1_000)).toBeLessThan(100);
  });

  it('does not depend on the order the members are listed in', () => {
    expect(owners(['a', 'b', 'c'])).toEqual(owners(['c', 'a', 'b']));
  });

  it('moves only the leaving collector’s symbols when one leaves, and only symbols to the newcomer when one joins', () => {
    const before = owners(['a', 'b', 'c']);
    const without = owners(['a', 'b']);
    for (const [symbol, owner] of before) if (owner !== 'c') expect(without.get(symbol)).toBe(owner);
    const joined = owners(['a', 'b', 'c', 'd']);
    let moved = 0;
    for (const [symbol, owner] of before) {
      if (joined.get(symbol) !== owner) {
        expect(joined.get(symbol)).toBe('d');
        moved++;
      }
    }
    expect(Math.abs(moved - 750)).toBeLessThan(100);
  });

  it('has no owner without members', () => {
    expect(ownerOf('EURUSD', [])).toBeUndefined();
  });
});
