import type { MocoConfig, WebConfig } from '../config/index.js';
import { RateLimiter } from '../courier/rate-limiter.js';
import type { Logger } from '../log.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { MocoClient } from '../moco/client.js';
import type { Clock } from '../time/clock.js';
import type { Timers } from '../time/timers.js';

/**
 * The page's share of MOCO's request budget. MOCO counts requests per account over a window, and
 * the daemon's taps draw on the same account: the page gets `web.mocoRequests` of each window and
 * never waits for more, so a page load is never kept loading behind the limit and never queues
 * requests that would compete with a tap later.
 */
export class MocoBudget {
  readonly #limiter: RateLimiter;

  constructor(limiter: RateLimiter) {
    this.#limiter = limiter;
  }

  static forConfig(moco: MocoConfig, web: WebConfig, clock: Clock, timers: Timers): MocoBudget {
    return new MocoBudget(
      new RateLimiter(
        { requests: web.mocoRequests, windowMs: moco.rateLimit.perSeconds * 1000 },
        clock,
        timers,
      ),
    );
  }

  available(): number {
    return this.#limiter.available();
  }

  /** Takes `count` requests now, or none and returns false. */
  take(count: number): boolean {
    if (this.#limiter.available() < count) return false;
    // Nobody waits on this limiter, so each acquire is granted on the spot.
    for (let i = 0; i < count; i += 1) void this.#limiter.acquire('live');
    return true;
  }

  stop(): void {
    this.#limiter.stop();
  }
}

/** MOCO's clock as its last answer told it, against the kiosk's at that moment. */
export interface MocoTime {
  /** When the answer came, by the kiosk's clock (ms epoch). */
  kioskAt: number;
  /** MOCO's `Date` header (whole seconds). */
  mocoAt: number;
  /** mocoAt - kioskAt: positive when MOCO's clock is ahead of the kiosk's. */
  offsetMs: number;
}

/**
 * Reads the `Date` header of MOCO's answers. HTTP servers with a clock must send it (RFC 9110
 * 6.6.1); the recordings in the MOCO reference keep only a few headers, so its absence is handled
 * as "MOCO did not say". Whole seconds, and the answer's travel time counts against the kiosk: an
 * offset of a second or two means nothing, one of minutes books wrong presences.
 */
export class MocoClockWatch {
  #last: MocoTime | null = null;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  observe(dateHeader: unknown): void {
    if (typeof dateHeader !== 'string') return;
    const mocoAt = Date.parse(dateHeader);
    if (Number.isNaN(mocoAt)) return;
    const kioskAt = this.#clock.now();
    this.#last = { kioskAt, mocoAt, offsetMs: mocoAt - kioskAt };
  }

  last(): MocoTime | null {
    return this.#last;
  }
}

export interface WebMoco {
  client: MocoClient;
  baseUrl: string;
  budget: MocoBudget;
  clockWatch: MocoClockWatch;
  /**
   * Asks MOCO for its clock when no answer told it for a while: one request with a key MOCO does
   * not know (the 401 carries a `Date` like any answer, and spends no account's budget), never awaited.
   */
  probeClock(): void;
  close(): void;
}

/** MOCO's clock is asked again after this: clocks drift by seconds a day, not by minutes. */
export const CLOCK_PROBE_MS = 10 * 60_000;
const PROBE_KEY = 'moco-timeclock-web-clock-probe';

/** The page's own MOCO client: its own sockets, every answer's `Date` header noted. */
export function createWebMoco(options: {
  moco: MocoConfig;
  web: WebConfig;
  clock: Clock;
  timers: Timers;
  logger: Logger;
}): WebMoco {
  const { moco, clock } = options;
  const clockWatch = new MocoClockWatch(clock);
  const baseUrl = mocoBaseUrl(moco);
  const client = new MocoClient({
    baseUrl,
    timeoutMs: moco.timeoutMs,
    logger: options.logger,
    clock,
    timers: options.timers,
    caFile: moco.caFile,
    onAnswer: (answer) => clockWatch.observe(answer.date),
  });
  const budget = MocoBudget.forConfig(moco, options.web, clock, options.timers);
  let probing = false;
  return {
    client,
    baseUrl,
    budget,
    clockWatch,
    probeClock() {
      const last = clockWatch.last();
      if (probing || (last !== null && clock.now() - last.kioskAt < CLOCK_PROBE_MS) || !budget.take(1))
        return;
      probing = true;
      void client
        .forKey(PROBE_KEY)
        .session()
        .catch(() => undefined)
        .finally(() => {
          probing = false;
        });
    },
    close() {
      budget.stop();
      client.close();
    },
  };
}
