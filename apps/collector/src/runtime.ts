import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Keeps every function's bytecode once compiled. V8 by default drops the bytecode of functions
 * that have not run for a few major GCs and compiles them again when next called, cold: no type
 * feedback, interpreted until re-optimised. A collector's minute-boundary code (every
 * indicator's add(), the resamplers closing a bucket, the final-bar writes) runs once a minute,
 * in one burst for every symbol, and at thousands of symbols the allocation rate makes major
 * GCs frequent (every ~6 s at 5,000) enough that a boundary could find that code flushed. In a
 * profile the engines' update() at a boundary took 79 ms without and 38 ms with the code kept;
 * over three alternated pairs of 150 s runs the later boundaries averaged 565 vs 451 ms and the
 * p50 271–362 vs 268–290 ms, within the runs' spread (docs/performance.md, "Scale").
 * What is kept is the bytecode of code that has run, a few MB.
 *
 * And no memory reducer: it shrinks the heap of an isolate that looks idle, and a collector
 * busy 150 ms out of every second looks idle to it. Every ~100 s it ran a compacting full GC,
 * 110 ms in one pause on the main thread and 46 ms on the timeframe thread, at whatever moment
 * of a cycle (--trace-gc, 5,000 symbols: "Mark-Compact (reduce)"). The flag is read when an
 * isolate's heap is set up, so this reaches the threads started after it; the main thread's
 * heap exists already, and `npm start` passes it on the command line as well.
 *
 * And an old generation that may grow to twice what a full GC left alive before the next one
 * starts. V8's own factor gave the timeframe thread a limit ~1.7× its 100 MB of engines, less
 * headroom than its young generation, so from then on it started incremental marking every
 * 2–5 s without reclaiming anything (97.9 → 97.7 MB): 60–75 ms of marking each time and final
 * pauses up to 77 ms, in whatever cycle they fell (--trace-gc --trace-incremental-marking,
 * "Start (task)", 5,000 symbols). V8 reads this flag whenever it sets a limit, so it reaches
 * both threads from here. Costs at most one more live heap of RSS.
 */
export function tuneRuntime(): void {
  setFlagsFromString('--no-flush-bytecode');
  setFlagsFromString('--no-memory-reducer');
  setFlagsFromString('--heap-growing-percent=100');
}

type GcFunction = (options: { type: 'minor' | 'major'; execution: 'sync' }) => void;
let gc: GcFunction | undefined;
/** every this many calls, collectBetweenCycles runs a full GC instead of a scavenge */
const FULL_GC_EVERY = 20;
let calls = 0;

/**
 * Collects garbage now, between cycles, so that V8 need not during one (called by each thread
 * once its part of a cycle is done).
 *
 * A scavenge: a cycle allocates 15–40 MB per thread at 5,000 symbols and nearly all of it is
 * dead once the cycle's write is answered. Left to V8, a scavenge came every 1–3 s, inside a
 * cycle more often than not, and copied whatever that cycle still held (parsed replies, payloads
 * waiting for their write): 5–30 ms on the main thread at its busiest, and what it copied lived
 * long enough to be promoted. After the cycle it finds almost nothing alive: p50 3.3 ms on the
 * main thread, 1.2 ms on the timeframe thread.
 *
 * Every FULL_GC_EVERY calls a full GC instead (65–105 ms at 5,000 symbols, ~4 ms a second on
 * average): the main thread's sockets allocate ~2.5 MB of buffers a cycle, and V8 answered that
 * "external memory pressure" with a full GC every 40–100 s at a moment of its choosing, 60 ms of
 * incremental marking and final pauses up to 58 ms inside a cycle. Done first, none is needed.
 */
export function collectBetweenCycles(): void {
  gc ??= exposedGc();
  gc({ type: ++calls % FULL_GC_EVERY === 0 ? 'major' : 'minor', execution: 'sync' });
}

/** V8 installs `gc` in contexts made after --expose-gc is set, so one made now has it (as jest's --logHeapUsage does). */
function exposedGc(): GcFunction {
  const own = (globalThis as { gc?: GcFunction }).gc;
  if (own) return own;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as GcFunction;
}
