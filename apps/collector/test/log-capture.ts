import { Writable } from 'node:stream';
import { createLogger } from '../src/logger';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose JSON lines are kept for assertions. */
export function capturingLogger(level = 'info') {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: createLogger(level, sink), lines, find: (msg: string) => lines.filter((l) => l.msg.startsWith(msg)) };
}
