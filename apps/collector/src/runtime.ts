import { setFlagsFromString } from 'node:v8';

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
 */
export function tuneRuntime(): void {
  setFlagsFromString('--no-flush-bytecode');
  setFlagsFromString('--no-memory-reducer');
}
