import { createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { createClient } from '@libsql/client';
import type { RunningCollector } from '../src/collector';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [k: string]: unknown;
}

/**
 * A pino destination that keeps the collector's own account of the run: the soak reads its
 * outage and recovery figures from the log lines an operator would see, not from internals.
 * Every line also goes to a file, kept when the run fails.
 */
export class LogTap extends Writable {
  readonly counts = new Map<string, number>();
  readonly events: LogLine[] = [];
  readonly #file: WriteStream;
  #partial = '';

  constructor(
    path: string,
    private readonly keep: (line: LogLine) => boolean,
  ) {
    super();
    this.#file = createWriteStream(path);
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = this.#partial + chunk.toString();
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const raw of lines) {
      if (!raw) continue;
      this.#file.write(`${raw}\n`);
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        continue;
      }
      const key = `${levelName(line.level)}: ${line.msg}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      if (this.keep(line)) this.events.push(line);
    }
    done();
  }

  find(msg: string): LogLine[] {
    return this.events.filter((e) => e.msg === msg);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#file.end(resolve));
  }
}

const levelName = (n: number) => ({ 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' })[n] ?? String(n);

export interface Sample {
  t: number;
  rssMb: number;
  heapMb: number;
  /** worst event-loop delay since the previous sample */
  eldMaxMs: number;
  pending: number;
  overruns: number;
}

export interface Mark {
  t: number;
  rssMb: number;
  /** live heap after a full GC (when run with --expose-gc): growth here is a leak, RSS alone may be allocator high-water */
  heapAfterGcMb: number | null;
}

const mb = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);
const ms = (ns: number) => +(ns / 1e6).toFixed(1);

/**
 * RSS every 10 s, the history buffer every second (a stall's peak lasts only seconds), and the
 * event-loop delay over the whole run and per sample (a blocked loop is what makes cycles
 * overrun, and the per-sample worst says when it happened).
 */
export class Sampler {
  readonly samples: Sample[] = [];
  maxPending = 0;
  readonly #eld: ELDHistogram = monitorEventLoopDelay({ resolution: 10 });
  readonly #recent: ELDHistogram = monitorEventLoopDelay({ resolution: 10 });
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #startedAt = Date.now();
  #overruns = 0;

  constructor(private readonly collector: RunningCollector) {}

  start(): void {
    this.#eld.enable();
    this.#recent.enable();
    this.#timers.push(setInterval(() => void this.#sample(), 10_000));
    this.#timers.push(
      setInterval(() => {
        this.maxPending = Math.max(this.maxPending, this.collector.history.pending);
      }, 1_000),
    );
  }

  /** A measurement point (after warm-up, at the end): a full GC first, when the runtime exposes it. */
  mark(): Mark {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const m = process.memoryUsage();
    return { t: this.#elapsed(), rssMb: mb(m.rss), heapAfterGcMb: gc ? mb(m.heapUsed) : null };
  }

  async stop(): Promise<{ eldP50Ms: number; eldP99Ms: number; eldMaxMs: number }> {
    for (const t of this.#timers) clearInterval(t);
    await this.#sample();
    this.#eld.disable();
    this.#recent.disable();
    return { eldP50Ms: ms(this.#eld.percentile(50)), eldP99Ms: ms(this.#eld.percentile(99)), eldMaxMs: ms(this.#eld.max) };
  }

  #elapsed(): number {
    return Math.round((Date.now() - this.#startedAt) / 1000);
  }

  async #sample(): Promise<void> {
    const m = process.memoryUsage();
    const eldMaxMs = ms(this.#recent.max);
    this.#recent.reset();
    this.#overruns = (await this.collector.metrics.overruns.get()).values[0]?.value ?? this.#overruns;
    this.samples.push({ t: this.#elapsed(), rssMb: mb(m.rss), heapMb: mb(m.heapUsed), eldMaxMs, pending: this.collector.history.pending, overruns: this.#overruns });
  }
}

/**
 * A history stall as an operator would cause one: a second connection takes the database's
 * write lock and sits on it (in WAL mode an IMMEDIATE transaction locks writers out exactly
 * like EXCLUSIVE, and the client pool would roll back a bare `BEGIN` sent through execute()).
 */
export async function holdWriteLock(url: string, ms: number): Promise<{ startedAt: number; heldMs: number }> {
  const client = createClient({ url });
  try {
    let tx;
    for (let attempt = 0; ; attempt++) {
      try {
        tx = await client.transaction('write');
        break;
      } catch (error) {
        // the collector may be mid-flush; it lets go within one transaction
        if (attempt >= 100) throw error;
        await sleep(50);
      }
    }
    const started = Date.now();
    await sleep(ms);
    await tx.rollback();
    tx.close();
    return { startedAt: started, heldMs: Date.now() - started };
  } finally {
    client.close();
  }
}
