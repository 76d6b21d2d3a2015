import type { Clock } from '../time/clock.js';

/** One HTTP answer from MOCO, as the client saw it. */
export interface MocoAnswer {
  status: number;
  /** The `Date` header, as sent. */
  date: string | undefined;
}

/**
 * What the daemon learns from MOCO's answers, whoever asked: whether MOCO has answered anything
 * lately, so that a request MOCO keeps failing with 5xx can be told apart from MOCO being down.
 */
export class MocoWatch {
  private lastSuccess: number | null = null;

  constructor(private readonly clock: Clock) {}

  record(answer: MocoAnswer): void {
    if (answer.status >= 200 && answer.status < 300) this.lastSuccess = this.clock.now();
  }

  /** Whether MOCO answered a request with success within the last `ms`. */
  answeredWithin(ms: number): boolean {
    return this.lastSuccess !== null && this.clock.now() - this.lastSuccess <= ms;
  }
}
