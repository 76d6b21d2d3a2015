export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 2_000, capMs: 5 * 60_000 };

/**
 * Exponential backoff with full jitter: after the n-th consecutive failure wait a random time
 * up to base * 2^(n-1), capped. Jitter spreads the retries of several kiosks of one office
 * that lost MOCO at the same moment.
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, failures - 1));
  // Never less than half the ceiling, so a retry storm cannot come from a run of small random numbers.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
