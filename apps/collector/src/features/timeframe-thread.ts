import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Bar, SymbolSpec } from '@marketpipe/core';
import type { HigherInterval, HigherWrites, IntervalWrite, TakeOptions, TimeframeStage } from '../ports';
import { BarFeed } from './bar-feed';
import { TimeframeEngines, type SlotState, type TimeframeOptions } from './timeframe-stage';

/** The Redis the thread writes to, on a connection of its own. */
export interface TimeframeRedis {
  url: string;
  timeoutMs: number;
}

export interface TimeframeWorkerData {
  specs: readonly SymbolSpec[];
  options: TimeframeOptions;
  /** the Redis key prefix the thread writes under */
  prefix: string;
  redis: TimeframeRedis;
}

/** What the thread did with a part: its writes went to Redis (or why not). */
export interface PartReply {
  intervals: HigherInterval[];
  /** symbol indices that showed every feature interval for the first time */
  shown: number[];
  /** why the writes did not reach Redis (none: they did, or were not to be written) */
  writeError?: string;
}

export type TimeframeRequest = { id: number } & (
  | { kind: 'part'; feed: Float64Array; sources: string[]; states: boolean | number; write: boolean }
  | { kind: 'load'; slots: [index: number, slots: SlotState[]][] }
  | { kind: 'reset'; indices: number[] }
  | { kind: 'latest'; wallNow: number }
  | { kind: 'allStates' }
);

export interface TimeframeReply {
  id: number;
  error?: string;
  part?: PartReply;
  writes?: HigherWrites;
}

/** The timeframe thread failed (it threw, or exited): the cycle's higher timeframes are not written. */
export class TimeframeThreadError extends Error {
  readonly code = 'timeframe_thread';
  constructor(message: string) {
    super(message);
    this.name = 'TimeframeThreadError';
  }
}

/** symbols loaded into the thread per message at start-up */
const LOAD_CHUNK = 500;

/**
 * The higher timeframes on a thread of their own (TIMEFRAME_THREAD): resampling every symbol's
 * 1m bars into six intervals and running two more feature engines per symbol was half of the
 * main thread's cycle at 5,000 symbols. The main thread packs each symbol's committed bars
 * (BarFeed); each `take` sends what was packed since the last one, and the thread writes all
 * that part made to Redis on a connection of its own: the hashes (~70% of a cycle's bytes) and
 * the bars it completed, into their sorted sets (BarSets: it keeps their trims; at a 5-minute
 * boundary handing 5,000 bars back to the main thread to add was the slowest cycle's tail).
 * Parts are written and answered in order, so a take resolves only once its writes
 * are in Redis, and the cycle's closing write (the version readers watch) still goes last.
 * Engines are warmed in-process (warmTimeframes, reading history and Redis) and moved over as
 * their exported state (`load`).
 */
export class TimeframeThread implements TimeframeStage {
  readonly barIntervals: readonly HigherInterval[];
  readonly featureIntervals: readonly HigherInterval[];
  readonly #worker: Worker;
  readonly #index = new Map<string, number>();
  readonly #feed = new BarFeed();
  /** per symbol index: the thread reported it showing every feature interval */
  readonly #shown: Uint8Array;
  readonly #waiting = new Map<number, { resolve: (r: TimeframeReply) => void; reject: (e: Error) => void }>();
  #next = 0;
  #failed: TimeframeThreadError | null = null;

  private constructor(
    specs: readonly SymbolSpec[],
    private readonly options: TimeframeOptions,
    prefix: string,
    redis: TimeframeRedis,
  ) {
    this.barIntervals = options.barIntervals;
    this.featureIntervals = options.featureIntervals;
    specs.forEach((s, i) => this.#index.set(s.symbol, i));
    this.#shown = new Uint8Array(specs.length);
    const workerData: TimeframeWorkerData = { specs, options, prefix, redis };
    this.#worker = new Worker(new URL('./timeframe-worker.ts', import.meta.url), { workerData, execArgv: ['--import', import.meta.resolve('tsx')] });
    this.#worker.on('message', (reply: TimeframeReply) => {
      const w = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (reply.error) w?.reject(new TimeframeThreadError(reply.error));
      else w?.resolve(reply);
    });
    this.#worker.on('error', (error) => this.#fail(`the timeframe thread failed: ${error.message}`));
    this.#worker.on('exit', (code) => this.#fail(`the timeframe thread exited (${code})`));
  }

  /** Starts the thread with the state of `warmed` (engines warmed in-process), which the caller then drops. */
  static async start(specs: readonly SymbolSpec[], options: TimeframeOptions, prefix: string, redis: TimeframeRedis, warmed: TimeframeEngines): Promise<TimeframeThread> {
    const thread = new TimeframeThread(specs, options, prefix, redis);
    await thread.load(warmed, specs);
    return thread;
  }

  /** An in-process stage for `specs` to warm before `load` moves it over (a rewarm, a takeover). */
  localStage(specs: readonly SymbolSpec[]): TimeframeEngines {
    return new TimeframeEngines(specs, this.options);
  }

  /** Moves the slots of `specs` from an in-process stage into the thread, replacing what it had for them. */
  async load(from: TimeframeEngines, specs: readonly SymbolSpec[]): Promise<void> {
    for (let i = 0; i < specs.length; i += LOAD_CHUNK) {
      const slots = specs.slice(i, i + LOAD_CHUNK).map((s) => [this.#indexOf(s.symbol), from.exportSlots(s.symbol)] as [number, SlotState[]]);
      // An engine with committed bars shows features at its next update: its symbol signals from the first cycle.
      for (const [index, states] of slots) this.#shown[index] = states.every((s) => !s.engine || s.shown || s.engineTs > Number.NEGATIVE_INFINITY) ? 1 : 0;
      await this.#call({ kind: 'load', slots });
    }
  }

  update(spec: SymbolSpec, finals: readonly Bar[], forming: Bar | null, wallNow: number): boolean {
    const index = this.#index.get(spec.symbol);
    if (index === undefined || (finals.length === 0 && !forming)) return false;
    this.#feed.add(index, wallNow, finals, forming);
    // A symbol signals once every feature engine shows features: known at load for warmed engines, else from the
    // thread's answer, so a symbol without history has its first cycle's signal left out of the latency histogram.
    return this.featureIntervals.length > 0 && this.#shown[index] === 1;
  }

  async take(states: boolean | number, opts: TakeOptions = {}): Promise<HigherWrites> {
    const { data, sources } = this.#feed.take();
    const reply = await this.#call({ kind: 'part', feed: data, sources, states, write: opts.write !== false }, [data.buffer as ArrayBuffer]);
    const part = reply.part!;
    for (const index of part.shown) this.#shown[index] = 1;
    const sentByThread = part.writeError === undefined ? {} : { error: new TimeframeThreadError(`the timeframe thread's Redis write failed: ${part.writeError}`) };
    const out: HigherWrites = new Map();
    for (const interval of part.intervals) {
      const w: IntervalWrite = { finals: [], forming: [], features: new Map(), signals: new Map(), sentByThread };
      out.set(interval, w);
    }
    return out;
  }

  /** The thread's event-loop utilization (what share of the time it computed), for benchmarks and capacity planning. */
  utilization(): EventLoopUtilization {
    return this.#worker.performance.eventLoopUtilization();
  }

  reset(spec: SymbolSpec): void {
    const index = this.#indexOf(spec.symbol);
    this.#shown[index] = 0;
    this.#call({ kind: 'reset', indices: [index] }).catch(() => undefined);
  }

  async latest(wallNow: number): Promise<HigherWrites> {
    return (await this.#call({ kind: 'latest', wallNow })).writes!;
  }

  async allStates(): Promise<HigherWrites> {
    return (await this.#call({ kind: 'allStates' })).writes!;
  }

  async close(): Promise<void> {
    this.#failed ??= new TimeframeThreadError('the timeframe thread is closed');
    await this.#worker.terminate();
  }

  #indexOf(symbol: string): number {
    const index = this.#index.get(symbol);
    if (index === undefined) throw new RangeError(`${symbol} is not among the timeframe thread's symbols`);
    return index;
  }

  #call(request: DistributiveOmit<TimeframeRequest, 'id'>, transfer: ArrayBuffer[] = []): Promise<TimeframeReply> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...request }, transfer);
    });
  }

  #fail(message: string): void {
    this.#failed ??= new TimeframeThreadError(message);
    for (const w of this.#waiting.values()) w.reject(this.#failed);
    this.#waiting.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
