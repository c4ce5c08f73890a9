import { setFlagsFromString } from 'node:v8';

/**
 * Keeps every function's bytecode once compiled. V8 by default drops the bytecode of functions
 * that have not run for a few major GCs and compiles them again when next called, cold: no type
 * feedback, interpreted until re-optimised. A collector's minute-boundary code (every
 * indicator's add(), the resamplers closing a bucket, the final-bar writes) runs once a minute,
 * in one burst for every symbol, and at thousands of symbols the allocation rate makes major
 * GCs frequent enough that each boundary found that code flushed: at 5,000 symbols the
 * boundary cycle took ~550 ms against ~350 ms with the code kept (docs/performance.md, "Scale").
 * What is kept is the bytecode of code that has run, a few MB.
 */
export function keepCompiledCode(): void {
  setFlagsFromString('--no-flush-bytecode');
}
