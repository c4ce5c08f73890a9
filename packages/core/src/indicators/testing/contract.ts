import { describe, expect, test } from 'vitest';
import type { StreamingIndicator } from '../indicator';

export interface ContractOptions<In, Out, State> {
  create: () => StreamingIndicator<In, Out, State>;
  inputs: readonly In[];
  /** index of the first non-null result */
  firstIndex: number;
  /** forming variants of inputs[i] shown before it is committed */
  variants: (input: In, i: number) => In[];
  /** what an independent batch computation over `inputs` gives (null before warm) */
  expected: readonly (Out | null)[];
  /** tolerance for `expected`: the batch sums in another order */
  matches: (actual: Out | null, expected: Out | null) => boolean;
}

function run<In, Out, State>(ind: StreamingIndicator<In, Out, State>, inputs: readonly In[]): (Out | null)[] {
  return inputs.map((x) => {
    ind.add(x);
    return ind.result;
  });
}

/**
 * The behaviour every streaming indicator owes (like trading-signals' testIndicatorContract):
 * null during the warm-up, replace equals recompute, forming updates leave the committed
 * state alone, snapshot/restore (through JSON) equals running on. Comparisons are exact:
 * the streaming paths share their arithmetic, so nothing may differ even in the last bit.
 */
export function testIndicatorContract<In, Out, State>(name: string, o: ContractOptions<In, Out, State>): void {
  describe(`${name} contract`, () => {
    const straight = run(o.create(), o.inputs);

    test('returns null before the first index and a value from it on', () => {
      const ind = o.create();
      o.inputs.forEach((x, i) => {
        ind.add(x);
        expect(ind.result === null, `index ${i}`).toBe(i < o.firstIndex);
        expect(ind.isStable, `index ${i}`).toBe(i >= o.firstIndex);
      });
    });

    test('matches the independent batch reference', () => {
      expect(straight).toHaveLength(o.expected.length);
      const bad = straight.findIndex((r, i) => !o.matches(r, o.expected[i] ?? null));
      expect(bad, `first mismatch at ${bad}: ${JSON.stringify([straight[bad], o.expected[bad]])}`).toBe(-1);
    });

    test('replace gives what adding the value to the committed series gives', () => {
      const ind = o.create();
      o.inputs.forEach((x, i) => {
        for (const v of [...o.variants(x, i), x]) {
          ind.replace(v);
          const fresh = o.create();
          run(fresh, o.inputs.slice(0, i));
          fresh.add(v);
          expect(ind.result, `index ${i}`).toEqual(fresh.result);
        }
        ind.add(x);
        expect(ind.result, `index ${i}`).toEqual(straight[i]);
      });
    });

    test('forming updates then the final add equal one add', () => {
      const ind = o.create();
      const got = o.inputs.map((x, i) => {
        for (const v of o.variants(x, i)) ind.replace(v);
        ind.add(x);
        return ind.result;
      });
      expect(got).toEqual(straight);
    });

    test('snapshot/restore through JSON mid-stream equals running on', () => {
      for (const cut of [0, o.firstIndex, o.firstIndex + 1, Math.floor(o.inputs.length / 2), o.inputs.length - 1]) {
        const ind = o.create();
        run(ind, o.inputs.slice(0, cut));
        ind.replace(o.inputs[cut]!);
        const restored = o.create();
        restored.restore(JSON.parse(JSON.stringify(ind.snapshot())) as State);
        expect(restored.result, `cut ${cut}`).toEqual(cut > 0 ? straight[cut - 1] : null);
        expect(run(restored, o.inputs.slice(cut)), `cut ${cut}`).toEqual(straight.slice(cut));
      }
    });

    test('reset starts over', () => {
      const ind = o.create();
      run(ind, o.inputs.slice(0, o.firstIndex + 3));
      ind.reset();
      expect(ind.result).toBeNull();
      expect(run(ind, o.inputs)).toEqual(straight);
    });
  });
}
