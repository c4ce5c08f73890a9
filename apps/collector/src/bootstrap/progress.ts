import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Logger } from '../logger';
import type { BootstrapPlan } from './plan';
import type { ChunkEvent } from './runner';

export interface BootstrapProgress {
  chunk(e: ChunkEvent): void;
  stop(): void;
}

/**
 * On a TTY, a bar per symbol (requests done, bars, bars/s, ETA); otherwise one structured log
 * line per chunk, which a log pipeline can follow.
 */
export function bootstrapProgress(plan: BootstrapPlan, opts: { tty: boolean; logger: Logger; stream?: NodeJS.WritableStream }): BootstrapProgress {
  const started = performance.now();
  const rate = (bars: number) => Math.round(bars / Math.max(0.001, (performance.now() - started) / 1_000));
  if (!opts.tty) {
    let total = 0;
    return {
      chunk: (e) => {
        total += e.bars;
        const { symbol, provider, interval, from, to } = e.task;
        opts.logger.info(
          { symbol, provider, interval, from: new Date(from).toISOString(), to: new Date(to).toISOString(), bars: e.bars, rejects: e.rejects, ms: Math.round(e.ms), done: e.done, of: e.total, barsPerSec: rate(total) },
          'bootstrap chunk',
        );
      },
      stop: () => undefined,
    };
  }
  const multi = new MultiBar(
    {
      // fits 80 columns (cli-progress cuts longer lines at the terminal's width)
      format: '{symbol} [{bar}] {value}/{total} req | {bars} bars | {rate} bars/s | ETA {eta_formatted}',
      barsize: 16,
      hideCursor: true,
      clearOnComplete: false,
      ...(opts.stream ? { stream: opts.stream } : {}),
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  for (const [symbol, tasks] of plan.tasks) {
    if (tasks.length > 0) bars.set(symbol, multi.create(tasks.length, 0, { symbol: symbol.padEnd(8), bars: 0, rate: 0 }));
  }
  return {
    chunk: (e) => bars.get(e.task.symbol)?.update(e.done, { bars: e.symbolBars.toLocaleString('en-US'), rate: rate(e.symbolBars).toLocaleString('en-US') }),
    stop: () => multi.stop(),
  };
}
