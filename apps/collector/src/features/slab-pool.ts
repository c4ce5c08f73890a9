import type { SlabAllocator } from '@marketpipe/core';

/**
 * The msgpack slabs of the timeframe thread, reused part after part. Every encoded value is a
 * view of a slab (core's MsgpackWriter); the thread encodes ~7 MB of them a second at 5,000
 * symbols, and as new ArrayBuffers that was external memory growing fast enough for V8 to run a
 * full mark-compact every few seconds (~70 ms of the thread's time each, up to 60 ms of it in
 * one pause, at any moment of a cycle). A part's values are dead once its hash writes are
 * copied into the RESP buffer, so the slabs lent during the part go back to the pool then,
 * except the writer's current one, which it keeps filling.
 */
export class SlabPool {
  readonly #free: Uint8Array[] = [];
  #lent: Uint8Array[] = [];

  /** `keep`: the most free slabs held (more than a part needs is memory for nothing) */
  constructor(private readonly keep = 256) {}

  readonly allocate: SlabAllocator = (bytes) => {
    const last = this.#free.at(-1);
    const slab = last?.length === bytes ? this.#free.pop()! : new Uint8Array(bytes);
    this.#lent.push(slab);
    return slab;
  };

  /** A part starts: only slabs lent from now on are its own (earlier ones may hold values of an answer not sent yet). */
  begin(): void {
    this.#lent = [];
  }

  /** The part's values were copied out: its slabs are free, but for the last one, which the writer still fills. */
  end(): void {
    const current = this.#lent.pop();
    for (const slab of this.#lent) if (this.#free.length < this.keep) this.#free.push(slab);
    this.#lent = current ? [current] : [];
  }
}
