import type { ClockSyncProbe, MonotonicSource } from '../../src/time/sync.js';

/** A ClockSyncProbe (src/time/sync.ts) that answers what the test set. */
export class FakeProbe implements ClockSyncProbe {
  constructor(public answer: boolean | null = true) {}
  async synchronized(): Promise<boolean | null> {
    return this.answer;
  }
}

/** A MonotonicSource (src/time/sync.ts) at the reading and boot the test set. */
export class FakeMonotonic implements MonotonicSource {
  constructor(
    public ns = 5_000_000_000n,
    public boot: string | null = 'boot-1',
  ) {}
  nowNs(): bigint {
    return this.ns;
  }
  bootId(): string | null {
    return this.boot;
  }
}
