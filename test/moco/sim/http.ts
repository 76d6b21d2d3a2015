import type { Simulator } from '../../../src/moco/sim/types.js';
import type { Clock } from '../../../src/time/clock.js';
import { localToEpoch } from '../../time/local-to-epoch.js';

export const BERLIN = 'Europe/Berlin';
export const ANNA = 'demo-key-anna';
export const BEN = 'demo-key-ben';
export const CLARA = 'demo-key-clara';

/** A clock tests set by hand, read at the simulator's local minutes. */
export class ManualClock implements Clock {
  constructor(private ms = 0) {}

  now(): number {
    return this.ms;
  }

  setLocal(date: string, time: string, seconds = 0): void {
    this.ms = localToEpoch(date, time, BERLIN) + seconds * 1000;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** One request with a MOCO key; `headers` add to or replace the defaults. */
export async function call(
  sim: Simulator,
  key: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { Authorization: `Token token=${key}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json:
      text !== '' && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined,
  };
}

export function touch(sim: Simulator, key: string, body?: unknown): Promise<Answer> {
  return call(sim, key, 'POST', '/users/presences/touch', body);
}

/** The `code` of the system error behind a failed fetch, e.g. ECONNREFUSED. */
export async function fetchFailure(request: Promise<unknown>): Promise<string | undefined> {
  try {
    await request;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? 'unknown';
  }
  return undefined;
}
