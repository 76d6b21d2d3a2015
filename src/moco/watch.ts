import type { Clock } from '../time/clock.js';

/** One HTTP answer from MOCO, as the client saw it. */
export interface MocoAnswer {
  status: number;
  /** The `Date` header, as sent. */
  date: string | undefined;
}

/**
 * What the daemon learns from MOCO's answers, whoever asked: whether MOCO answers at all lately
 * (so a request MOCO keeps failing with 5xx is told apart from MOCO being down), and MOCO's clock,
 * from the `Date` header every HTTP answer carries (RFC 9110), so the kiosk's own clock can be
 * checked against it and a wrong one corrected.
 */
export class MocoWatch {
  private lastSuccess: number | null = null;
  private offset: number | null = null;

  constructor(private readonly clock: Clock) {}

  record(answer: MocoAnswer): void {
    const now = this.clock.now();
    if (answer.status >= 200 && answer.status < 300) this.lastSuccess = now;
    const sent = answer.date === undefined ? Number.NaN : Date.parse(answer.date);
    // The header has whole seconds: MOCO's clock read somewhere in that second, on average its middle.
    if (!Number.isNaN(sent)) this.offset = sent + 500 - now;
  }

  /** Whether MOCO answered a request with success within the last `ms`. */
  answeredWithin(ms: number): boolean {
    return this.lastSuccess !== null && this.clock.now() - this.lastSuccess <= ms;
  }

  /** MOCO's clock minus ours (ms) as of the last answer, or null before the first answer. */
  offsetMs(): number | null {
    return this.offset;
  }
}
