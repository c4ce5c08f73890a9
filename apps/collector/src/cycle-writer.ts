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

/**
 * A part goes out once it holds this many symbols, even before its turn of the event loop ends.
 * While the main thread is busy, the sockets of several provider answers are ready at once and
 * one turn ingests all of them: at 5,000 symbols a cycle went out in ~6 parts, the timeframe
 * thread waited for each, and the last part's higher timeframes (a thousand symbols or more)
 * were all computed after the last answer (the tail after it, p50 46 ms in a trace). Parts of
 * 500 symbols (~12 a cycle) let the thread compute alongside the ingest (tail p50 20 ms); 250 (~22)
 * did as well but cost more in messages and Redis commands, 100 more still (docs/performance.md).
 */
export const PART_SYMBOLS = 500;

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
 * end of that turn, or as soon as it holds PART_SYMBOLS symbols, so Redis (and the timeframe
 * thread) take it while the next answers are being parsed and computed,
 * instead of the whole cycle waiting for one large pipeline at its end. Every part is an
 * idempotent upsert like the whole was; the closing write (seen times, heartbeat, engine
 * states, the version readers watch) goes last on the same connection, so Redis applies it
 * after every part.
 */
export class CycleWriter {
  #part: Part;
  #scheduled = false;
  readonly #sent: Promise<boolean>[] = [];
  readonly #latencies = new Map<Histogram, number[]>();
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
    if (part.symbols >= PART_SYMBOLS) this.#sendPart();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#sendPart();
      });
    }
  }

  /** Sends what is left with the cycle's closing fields once every part is out; true when every part reached Redis. */
  async close(closing: Pick<CycleWrite, 'seen' | 'heartbeat' | 'states'>, stateLimit: number): Promise<boolean> {
    const part = this.#part;
    this.#part = this.#newPart();
    Object.assign(part.write, closing);
    const higher = this.deps.timeframes?.take(stateLimit, { write: this.deps.replicator.up });
    // A part that failed does not keep the closing write from going out; it still fails the cycle.
    const earlier = await Promise.allSettled(this.#sent);
    const last = await this.#send(part, higher, true);
    for (const e of earlier) if (e.status === 'rejected') throw e.reason;
    return last && earlier.every((e) => e.status === 'fulfilled' && e.value);
  }

  #sendPart(): void {
    const part = this.#part;
    if (part.symbols === 0) return;
    this.#part = this.#newPart();
    part.write.partial = true;
    this.#sent.push(this.#send(part, this.deps.timeframes?.take(false, { write: this.deps.replicator.up })));
  }

  /**
   * Writes a part. Higher timeframes computed in process go in the same write. The timeframe
   * thread writes its part itself and answers once Redis has it: the part's 1m data goes out
   * without waiting for that answer (at a minute boundary the thread finishes its parts later
   * than the main thread, and every part's 1m finals then waited for it and were encoded
   * together at the end), and an answer that still holds something to write (bars, or the
   * thread's failed write to report) follows in a write of its own. The closing write (`last`)
   * is made after every other part was written, so it stays last.
   */
  async #send(part: Part, higher: HigherWrites | Promise<HigherWrites> | undefined, last = false): Promise<boolean> {
    if (!isPromise(higher) || last) {
      let failure: unknown = null;
      try {
        if (higher) part.write.higher = await higher;
      } catch (error) {
        // A failed timeframe thread must not take the 1m data down with it: the part goes out without its
        // higher timeframes, and the cycle still fails (counted, logged) once it is written.
        failure = error;
      }
      const written = await this.#write(part.write, part.signalled, part.signalledHigher);
      if (failure) throw failure;
      return written;
    }
    const oneMinute = this.#write(part.write, part.signalled, []);
    let threaded: HigherWrites;
    try {
      threaded = await higher;
    } catch (error) {
      await oneMinute;
      throw error;
    }
    if (!needsWrite(threaded)) {
      this.#observe(this.deps.latency.higher, part.signalledHigher);
      return oneMinute;
    }
    const completed = this.#write({ ...emptyWrite(this.at), partial: true, higher: threaded }, [], part.signalledHigher);
    const [a, b] = await Promise.all([oneMinute, completed]);
    return a && b;
  }

  async #write(write: CycleWrite, signalled: readonly number[], signalledHigher: readonly number[]): Promise<boolean> {
    const written = await this.deps.replicator.write(write);
    if (written) {
      this.#observe([this.deps.latency.oneMinute], signalled);
      this.#observe(this.deps.latency.higher, signalledHigher);
    }
    return written;
  }

  /**
   * Notes each signal's latency as its write lands; they reach the histograms in
   * `observeLatencies`, after the cycle: 15,000 observes at 5,000 symbols (prom-client builds a
   * label hash per observe) took ~3 ms of the main thread while it was still ingesting answers.
   */
  #observe(histograms: readonly Histogram[], arrivals: readonly number[]): void {
    if (arrivals.length === 0) return;
    const now = performance.now();
    for (const histogram of histograms) {
      let seconds = this.#latencies.get(histogram);
      if (!seconds) this.#latencies.set(histogram, (seconds = []));
      for (const at of arrivals) seconds.push((now - at) / 1000);
    }
  }

  /** Gives the histograms the latencies of the writes that landed so far. */
  observeLatencies(): void {
    for (const [histogram, seconds] of this.#latencies) for (const s of seconds) histogram.observe(s);
    this.#latencies.clear();
  }

  #newPart(): Part {
    return { write: emptyWrite(this.at), symbols: 0, signalled: [], signalledHigher: [] };
  }
}

const isPromise = <T>(x: T | Promise<T> | undefined): x is Promise<T> => x instanceof Promise;

/** The answer holds bars to write, or a failed write to report through the main connection. */
function needsWrite(higher: HigherWrites): boolean {
  for (const w of higher.values()) if (w.finals.length > 0 || w.sentByThread?.error) return true;
  return false;
}
