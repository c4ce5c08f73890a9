import { ApiError } from '../errors';

/** The caller already holds as many streams of this interval as STREAM_MAX_PER_KEY allows (429). */
export class TooManyStreamsError extends ApiError {
  readonly code = 'too_many_streams';
  constructor(max: number, interval: string) {
    super(`this key already holds ${max} open ${interval} streams (STREAM_MAX_PER_KEY); close one, or subscribe one stream to several symbols`);
    this.name = 'TooManyStreamsError';
    this.headers = { 'retry-after': '5' };
    this.extensions = { max, interval };
  }
}
