/**
 * Deterministic, random-access value noise. The sim feed must give the same price for the
 * same (seed, symbol, second) whether it is asked live or while backfilling a day, without
 * replaying a random walk from some origin: a sum of smoothed lattice noises at several time
 * scales (fractal noise) behaves like a bounded random walk and can be evaluated at any second.
 */
export function hash32(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ d, 0x165667b1);
  h ^= h >>> 16;
  return h >>> 0;
}

export function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** uniform in [-1, 1) at lattice point k of octave `octave` */
function lattice(seed: number, key: number, octave: number, k: number): number {
  return hash32(seed, key, octave, k | 0) / 2_147_483_648 - 1;
}

export interface Octave {
  /** lattice spacing in seconds */
  period: number;
  /** amplitude, as a fraction of price (log-return units) */
  amplitude: number;
}

/** Smooth noise in log-price units at second `t` (integer seconds since epoch). */
export function fractalNoise(seed: number, key: number, octaves: readonly Octave[], t: number): number {
  let sum = 0;
  for (let o = 0; o < octaves.length; o++) {
    const { period, amplitude } = octaves[o]!;
    const x = t / period;
    const k = Math.floor(x);
    const f = x - k;
    const s = f * f * (3 - 2 * f);
    const a = lattice(seed, key, o, k);
    const b = lattice(seed, key, o, k + 1);
    sum += amplitude * (a + (b - a) * s);
  }
  return sum;
}
