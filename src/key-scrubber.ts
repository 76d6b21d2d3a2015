/**
 * Takes API keys out of text that may echo them: MOCO's answers (which become error messages, a
 * tap's `last_error`, `status` and `queue list`) and every log line. A server or proxy that echoes
 * a request may encode it, so a key is also looked for as hex, base64 and base64url (at each of the
 * three alignments it can have inside a longer base64 string, such as an encoded header),
 * percent-encoded and JSON-escaped. One instance serves the MOCO client, which adds each key before
 * its first request, and the logger, which scrubs what it writes.
 */
export class KeyScrubber {
  readonly #keys = new Set<string>();
  #pattern: RegExp | null = null;

  add(key: string): void {
    if (key === '' || this.#keys.has(key)) return;
    this.#keys.add(key);
    const variants = [...this.#keys].flatMap(keyVariants).sort((a, b) => b.length - a.length);
    this.#pattern = new RegExp([...new Set(variants)].map(escapeRegExp).join('|'), 'g');
  }

  scrub(text: string): string {
    return this.#pattern === null ? text : text.replace(this.#pattern, REDACTED);
  }
}

export const REDACTED = '[redacted]';

/** Shorter encodings would match ordinary words; the key itself is always scrubbed. */
const MIN_VARIANT_LENGTH = 8;

/** The forms in which `key` can appear in an echo. */
export function keyVariants(key: string): string[] {
  const bytes = Buffer.from(key, 'utf8');
  const hex = bytes.toString('hex');
  const derived = [
    hex,
    hex.toUpperCase(),
    encodeURIComponent(key),
    JSON.stringify(key).slice(1, -1),
    ...base64Cores(bytes),
  ];
  return [key, ...derived.filter((variant) => variant.length >= MIN_VARIANT_LENGTH && variant !== key)];
}

/**
 * Base64 turns 3 bytes into 4 characters, so how the key's bytes fall into groups depends on what
 * precedes them. For each of the three offsets, the characters made of the key's bits alone.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
