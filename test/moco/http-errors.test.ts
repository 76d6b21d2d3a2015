import { describe, expect, it } from 'vitest';
import { codeForStatus, parseRetryAfter, readBody } from '../../src/moco/http-errors.js';

const NOW = Date.UTC(1994, 10, 6, 8, 49, 0);

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
  ])('reads an HTTP date (%s) as the time left', (_format, value) => {
    expect(parseRetryAfter(value, NOW)).toBe(37_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', NOW)).toBe(0);
  });

  it.each([undefined, '', '1.5', '-3', 'soon', '5.5', '2024-03-04T08:00:00Z'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('codeForStatus', () => {
  it.each([
    [400, 'invalid'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [422, 'invalid'],
    [423, 'locked'],
    [429, 'rate_limited'],
    [500, 'server'],
    [599, 'server'],
    [301, 'protocol'],
    [405, 'protocol'],
    [600, 'protocol'],
  ] as const)('%i -> %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });
});

describe('readBody', () => {
  it('parses JSON, keeps other text and reads blank as no body', () => {
    expect(readBody('{"from":["Zeitraum überschneidet sich"]}')).toEqual({
      from: ['Zeitraum überschneidet sich'],
    });
    expect(readBody('Bad Gateway')).toBe('Bad Gateway');
    expect(readBody('  \n')).toBeUndefined();
  });

  it('shortens long text bodies', () => {
    const body = readBody('x'.repeat(5000));
    expect(typeof body === 'string' && body.length < 2100).toBe(true);
  });
});
