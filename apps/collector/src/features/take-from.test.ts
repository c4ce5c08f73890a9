import { describe, expect, it } from 'vitest';
import { takeFrom } from './take-from';

describe('takeFrom', () => {
  it('takes at most `limit`, longest waiting first, and leaves the rest for the next call', () => {
    const dirty = new Set(['a', 'b', 'c', 'd', 'e']);
    expect(takeFrom(dirty, 2)).toEqual(['a', 'b']);
    dirty.add('a'); // changed again: now it waits behind c, d, e
    expect(takeFrom(dirty, 3)).toEqual(['c', 'd', 'e']);
    expect(takeFrom(dirty, Number.POSITIVE_INFINITY)).toEqual(['a']);
    expect(dirty.size).toBe(0);
  });
});
