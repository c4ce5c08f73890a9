/** Time source injected everywhere time matters, so tests and SIM_SPEED can drive it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that starts at `start` and runs `speed` times faster than the wall clock.
 * The sim feed and the collector share one so that minutes finalise in seconds in tests.
 */
export class ScaledClock implements Clock {
  readonly #wallStart: number;
  readonly #start: number;
  readonly #speed: number;
  readonly #wall: () => number;

  constructor(start: number, speed: number, wall: () => number = () => Date.now()) {
    if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
    this.#wall = wall;
    this.#wallStart = wall();
    this.#start = start;
    this.#speed = speed;
  }

  get speed(): number {
    return this.#speed;
  }

  now(): number {
    return this.#start + (this.#wall() - this.#wallStart) * this.#speed;
  }
}

/** Floor `ts` to the start of its interval. */
export function floorTo(ts: number, intervalMs: number): number {
  return ts - (((ts % intervalMs) + intervalMs) % intervalMs);
}
