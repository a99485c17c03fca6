/** A source of the current time in milliseconds since the epoch; every expiry check goes through one. */
export interface Clock {
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, for tests of expiry and rate-limit windows. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: number = Date.UTC(2030, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Sets the clock to `ms` since the epoch. */
  set(ms: number): void {
    this.current = ms;
  }
}
