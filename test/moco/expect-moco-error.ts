import { inspect } from 'node:util';
import { expect } from 'vitest';
import { MocoError, type MocoErrorCode } from '../../src/moco/errors.js';

/** Every rendering of an error a log line or a crash report could contain, cause chain included. */
function renderings(error: unknown): string[] {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth += 1) {
    out.push(
      JSON.stringify(current) ?? '',
      inspect(current, { depth: null, showHidden: true }),
      String(current),
    );
    if (current instanceof Error) out.push(current.stack ?? '');
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

/**
 * Awaits a rejection, checks it is a MocoError of that code, and that none of `secrets` appears in any
 * rendering of it. Returns the error for further assertions.
 */
export async function expectMocoError(
  promise: Promise<unknown>,
  code: MocoErrorCode,
  secrets: readonly string[],
): Promise<MocoError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(MocoError);
  const mocoError = error as MocoError;
  expect(mocoError.code, mocoError.message).toBe(code);
  for (const text of renderings(mocoError)) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
  return mocoError;
}
