/** Reconnect delays: 0.5 s, doubling, capped at 10 s; back to the start after a success. */
export class Backoff {
  private nextMs: number;

  constructor(
    private readonly initialMs = 500,
    private readonly maxMs = 10_000,
  ) {
    this.nextMs = initialMs;
  }

  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.maxMs);
    return delay;
  }

  reset(): void {
    this.nextMs = this.initialMs;
  }
}
