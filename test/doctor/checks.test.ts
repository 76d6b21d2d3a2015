import { describe, expect, it } from 'vitest';
import { type Check, fail, formatResult, ok, runChecks, skip } from '../../src/doctor/checks.js';
import { context } from './helpers.js';

function sink() {
  const lines: string[] = [];
  return { lines, out: { write: (text: string) => lines.push(text) } };
}

describe('formatResult', () => {
  it('aligns OK, FAIL and SKIP and gives the fix only on failures', () => {
    expect(formatResult('reader', ok('standard input'))).toBe('OK   reader: standard input');
    expect(formatResult('clock', fail('not synchronised', 'timedatectl set-ntp true'))).toBe(
      'FAIL clock: not synchronised — fix: timedatectl set-ntp true',
    );
    expect(formatResult('GPIO', skip('signals.driver is console'))).toBe(
      'SKIP GPIO: signals.driver is console',
    );
  });

  it('names the line after the result when it has its own name', () => {
    expect(formatResult('MOCO', { ...fail('rejected', 'new key'), name: 'badge 04A1' })).toBe(
      'FAIL badge 04A1: rejected — fix: new key',
    );
  });
});

describe('runChecks', () => {
  it('prints every result in order and counts the failures', async () => {
    const { lines, out } = sink();
    const checks: Check[] = [
      { name: 'a', run: async () => ok('fine') },
      { name: 'b', run: async () => [fail('one', 'fix one'), { ...fail('two', 'fix two'), name: 'b2' }] },
      { name: 'c', run: async () => skip('not here') },
    ];
    expect(await runChecks(checks, context(), out)).toBe(2);
    expect(lines).toEqual([
      'OK   a: fine\n',
      'FAIL b: one — fix: fix one\n',
      'FAIL b2: two — fix: fix two\n',
      'SKIP c: not here\n',
    ]);
  });

  it('prints a line as soon as its check is done, before the next one finishes', async () => {
    const { lines, out } = sink();
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    let seenBeforeSlowEnded: string[] = [];
    const checks: Check[] = [
      { name: 'fast', run: async () => ok('done') },
      {
        name: 'slow',
        run: async () => {
          seenBeforeSlowEnded = [...lines];
          await slow;
          return ok('done too');
        },
      },
    ];
    const running = runChecks(checks, context(), out);
    release();
    await running;
    expect(seenBeforeSlowEnded).toEqual(['OK   fast: done\n']);
  });

  it('turns a check that throws into a failure and goes on with the next', async () => {
    const { lines, out } = sink();
    const checks: Check[] = [
      {
        name: 'broken',
        run: async () => {
          throw new Error('boom');
        },
      },
      { name: 'after', run: async () => ok('still checked') },
    ];
    expect(await runChecks(checks, context(), out)).toBe(1);
    expect(lines[0]).toMatch(/^FAIL broken: unexpected error: boom — fix: /);
    expect(lines[1]).toBe('OK   after: still checked\n');
  });
});
