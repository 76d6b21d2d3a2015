import { describe, expect, it } from 'vitest';
import { KeyScrubber, keyVariants } from '../src/key-scrubber.js';
import { createLogger } from '../src/log.js';

const KEY = 'Key+With/Slash=9x7Q-2';

/** The ways a proxy or server might echo a request: each must come out without the key. */
function echoes(key: string): string[] {
  const bytes = Buffer.from(key);
  return [
    `raw ${key} end`,
    `hex ${bytes.toString('hex')} and ${bytes.toString('hex').toUpperCase()}`,
    `header ${Buffer.from(`Token token=${key}`).toString('base64')}`,
    `shifted ${Buffer.from(`x${key}`).toString('base64')} ${Buffer.from(`xy${key}`).toString('base64')}`,
    `url-safe ${Buffer.from(`Authorization: Token token=${key}`).toString('base64url')}`,
    `form token=${encodeURIComponent(key)}&x=1`,
    `json ${JSON.stringify({ key })}`,
  ];
}

describe('KeyScrubber', () => {
  it('takes a key out in every common encoding, at any position inside base64', () => {
    const scrubber = new KeyScrubber();
    scrubber.add(KEY);
    for (const text of echoes(KEY)) {
      const scrubbed = scrubber.scrub(text);
      expect(scrubbed, text).toContain('[redacted]');
      for (const variant of keyVariants(KEY)) expect(scrubbed, text).not.toContain(variant);
    }
    // What is left of an encoded key around the redaction is too short to carry it.
    const header = scrubber.scrub(Buffer.from(`Token token=${KEY}`).toString('base64'));
    expect(header.replace('[redacted]', '').length).toBeLessThan(24);
  });

  it('scrubs every key it was given, JSON-escaped too, and leaves other text alone', () => {
    const scrubber = new KeyScrubber();
    scrubber.add('first-key-1234');
    scrubber.add('a"b\\c-second');
    expect(scrubber.scrub('first-key-1234 and {"k":"a\\"b\\\\c-second"}')).toBe(
      '[redacted] and {"k":"[redacted]"}',
    );
    expect(scrubber.scrub('nothing secret here: 1234, abcd')).toBe('nothing secret here: 1234, abcd');
    expect(new KeyScrubber().scrub('first-key-1234')).toBe('first-key-1234');
  });

  it('scrubs each of many keys, also where keys begin alike, taking the longest that matches', () => {
    const scrubber = new KeyScrubber();
    const keys = Array.from({ length: 300 }, (_, i) => `shared-prefix-${i}`);
    for (const key of keys) scrubber.add(key);
    scrubber.add('shared-prefix-1-and-more');
    expect(scrubber.scrub(keys.map((key) => `<${key}>`).join(''))).toBe('<[redacted]>'.repeat(300));
    expect(scrubber.scrub('x shared-prefix-1-and-more y shared-prefix-1')).toBe('x [redacted] y [redacted]');
    expect(scrubber.scrub('shared-prefix-')).toBe('shared-prefix-');
  });

  it('does not match ordinary words with the short encodings of a short key', () => {
    const scrubber = new KeyScrubber();
    scrubber.add('k1');
    expect(scrubber.scrub('k1 and 6b31 and azE=')).toBe('[redacted] and 6b31 and azE=');
  });

  it('lets the logger take the keys out of every line it writes', () => {
    const lines: string[] = [];
    const scrubber = new KeyScrubber();
    const logger = createLogger('info', { write: (line: string) => lines.push(line) }, scrubber);
    scrubber.add(KEY);
    logger.warn({ reason: `MOCO answered 401: ${Buffer.from(KEY).toString('hex')}` }, `echo ${KEY}`);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      reason: 'MOCO answered 401: [redacted]',
      msg: 'echo [redacted]',
    });
  });
});
