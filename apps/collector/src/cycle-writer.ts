import type { Bar } from '@marketpipe/core';
import type { CycleWrite, HigherWrites, TimeframeStage } from './ports';
import type { WindowReplicator } from './redis/window-replicator';

/** What one symbol contributed to the cycle's write. */
export interface Committed {
  finals: Bar[];
  forming: Bar | null;
  features?: Uint8Array;
  signal?: Uint8Array;
  /** the higher timeframes made a signal for each feature interval */
  higherSignals: boolean;
}

interface Histogram {
  observe(seconds: number): void;
}

export interface CycleWriterDeps {
  replicator: WindowReplicator;
  timeframes?: TimeframeStage;
  /** bar arrival → signal written, for 1m and for each higher feature interval */
  latency: { oneMinute: Histogram; higher: readonly Histogram[] };
}

/** The part of a cycle's write not sent yet, and when the bars behind its signals arrived. */
interface Part {
  write: CycleWrite;
  symbols: number;
  signalled: number[];
  signalledHigher: number[];
}

export const emptyWrite = (at: number): CycleWrite => ({ forming: [], finals: [], features: new Map(), signals: new Map(), seen: { symbols: [], at } });

export function addTo(write: CycleWrite, symbol: string, c: Committed): void {
  for (const b of c.finals) write.finals.push(b);
  if (c.forming) write.forming.push(c.forming);
  if (c.features) write.features.set(symbol, c.features);
  if (c.signal) write.signals.set(symbol, c.signal);
}

/**
 * One cycle's Redis write, sent in parts as the symbols arrive: what the symbols committed in
 * one turn of the event loop (the answers of one provider batch, typically) goes out at the
 * end of that turn, so Redis takes it while the next batch is being parsed and computed,
 * instead of the whole cycle waiting for one large pipeline at its end. Every part is an
 * idempotent upsert like the whole was; the closing write (seen times, heartbeat, engine
 * states, the version readers watch) goes last on the same connection, so Redis applies it
 * after every part.
 */
export class CycleWriter {
  #part: Part;
  #scheduled = false;
  readonly #sent: Promise<boolean>[] = [];
  finals = 0;
  forming = 0;

  constructor(
    private readonly deps: CycleWriterDeps,
    private readonly at: number,
  ) {
    this.#part = this.#newPart();
  }

  add(symbol: string, committed: Committed, arrived: number): void {
    const part = this.#part;
    addTo(part.write, symbol, committed);
    part.symbols++;
    this.finals += committed.finals.length;
    if (committed.forming) this.forming++;
    if (committed.signal) part.signalled.push(arrived);
    if (committed.higherSignals) part.signalledHigher.push(arrived);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Sends what is left with the cycle's closing fields; true when every part reached Redis. */
  async close(closing: Pick<CycleWrite, 'seen' | 'heartbeat' | 'states'>, stateLimit: number): Promise<boolean> {
    const part = this.#part;
    this.#part = this.#newPart();
    Object.assign(part.write, closing);
    this.#sent.push(this.#send(part, this.deps.timeframes?.take(stateLimit, { write: this.deps.replicator.up })));
    const outcomes = await Promise.all(this.#sent);
    return outcomes.every(Boolean);
  }

  #flush(): void {
    this.#scheduled = false;
    const part = this.#part;
    if (part.symbols === 0) return;
    this.#part = this.#newPart();
    part.write.partial = true;
    this.#sent.push(this.#send(part, this.deps.timeframes?.take(false, { write: this.deps.replicator.up })));
  }

  /**
   * Waits for the part's higher timeframes (computed in another thread, or already there), then
   * writes. Takes resolve in the order they were made, so the parts still reach Redis in order
   * and the closing write stays last.
   */
  async #send(part: Part, higher: HigherWrites | Promise<HigherWrites> | undefined): Promise<boolean> {
    let failure: unknown = null;
    try {
      if (higher) part.write.higher = await higher;
    } catch (error) {
      // A failed timeframe thread must not take the 1m data down with it: the part goes out without its
      // higher timeframes, and the cycle still fails (counted, logged) once it is written.
      failure = error;
    }
    const written = await this.deps.replicator.write(part.write);
    if (failure) throw failure;
    if (written) {
      const now = performance.now();
      const { oneMinute, higher } = this.deps.latency;
      for (const at of part.signalled) oneMinute.observe((now - at) / 1000);
      for (const histogram of higher) for (const at of part.signalledHigher) histogram.observe((now - at) / 1000);
    }
    return written;
  }

  #newPart(): Part {
    return { write: emptyWrite(this.at), symbols: 0, signalled: [], signalledHigher: [] };
  }
}
