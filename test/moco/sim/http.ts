import type { Simulator } from '../../../src/moco/sim/types.js';

export const BERLIN = 'Europe/Berlin';
export const ANNA = 'demo-key-anna';
export const BEN = 'demo-key-ben';
export const CLARA = 'demo-key-clara';

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
