import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout; keys and tokens are redacted wherever they appear. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'marketpipe-collector' },
      redact: {
        paths: ['apiKey', '*.apiKey', 'token', '*.token', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination(1),
  );
}
