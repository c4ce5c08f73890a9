import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Pacer, type PaceDecision } from '../../src/providers/pacer';

const ACTIVE_MS = 60_000;
const INTERVAL_MS = 1_000;

/** The pacing rule written the plain way: every spend counts every symbol asked within ACTIVE_MS. */
class ReferencePacer {
  readonly #symbols = new Map<string, { askedAt: number; nextAt: number }>();

  check(symbol: string, now: number): PaceDecision {
    const s = this.#symbols.get(symbol) ?? { askedAt: 0, nextAt: 0 };
    this.#symbols.set(symbol, s);
    s.askedAt = now;
    return now >= s.nextAt ? 'due' : 'wait';
  }

  spend(symbol: string, now: number): void {
    let active = 0;
    for (const s of this.#symbols.values()) if (now - s.askedAt <= ACTIVE_MS) active += 1;
    this.#symbols.get(symbol)!.nextAt = now + INTERVAL_MS * Math.max(1, active);
  }
}

describe('Pacer', () => {
  it('spaces the symbols asked in one instant by how many are active, the k-th by k intervals', () => {
    const pacer = new Pacer({ p: INTERVAL_MS });
    const t = Date.UTC(2031, 0, 2, 10);
    for (let k = 1; k <= 5; k++) {
      expect(pacer.check('p', `S${k}`, t)).toBe('due');
      pacer.spend('p', `S${k}`, t);
    }
    for (let k = 1; k <= 5; k++) {
      expect(pacer.check('p', `S${k}`, t + k * INTERVAL_MS - 1), `S${k}`).toBe('wait');
      expect(pacer.check('p', `S${k}`, t + k * INTERVAL_MS), `S${k}`).toBe('due');
    }
  });

  it('decides exactly as counting every symbol at every spend, over random polls', () => {
    const step = fc.record({
      advance: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 50_000, max: 90_000 })),
      symbols: fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 12 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const pacer = new Pacer({ p: INTERVAL_MS });
        const reference = new ReferencePacer();
        let now = Date.UTC(2031, 0, 2, 10);
        for (const { advance, symbols } of steps) {
          now += advance;
          for (const i of symbols) {
            const decision = pacer.check('p', `S${i}`, now);
            expect(decision).toBe(reference.check(`S${i}`, now));
            if (decision === 'due') {
              pacer.spend('p', `S${i}`, now);
              reference.spend(`S${i}`, now);
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
