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
  /**
   * Every variant of at least MIN_VARIANT_LENGTH characters under its first PREFIX characters,
   * longest first. One regular expression of all variants had to be rebuilt for each new key (at
   * 250 keys up to 3 ms a key, at 2,000 up to 24 ms, in the tap of a person's first badge read)
   * and scrubbed in time growing with the keys; a lookup at each position of the text costs about the
   * same for 10 keys or 2,000.
   */
  readonly #byPrefix = new Map<number, string[]>();
  /** Keys shorter than MIN_VARIANT_LENGTH, themselves only, longest first. */
  #short: string[] = [];
  /** Added, their variants not worked out yet: `prepare` or the next `scrub` does. */
  #pending: string[] = [];

  /**
   * Cheap: the variants (about 25 µs of work a key) are worked out by `prepare`, which the MOCO
   * client calls once the request with the new key is on its way, or else by the next `scrub`.
   */
  add(key: string): void {
    if (key === '' || this.#keys.has(key)) return;
    this.#keys.add(key);
    this.#pending.push(key);
  }

  /** Works out the variants of the keys added since. */
  prepare(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    for (const key of pending) this.#index(key);
  }

  #index(key: string): void {
    for (const variant of keyVariants(key)) {
      if (variant.length < MIN_VARIANT_LENGTH) {
        this.#short = [...this.#short, variant].sort(longestFirst);
        continue;
      }
      const prefix = prefixAt(variant, 0);
      const bucket = this.#byPrefix.get(prefix) ?? [];
      if (!bucket.includes(variant)) this.#byPrefix.set(prefix, [...bucket, variant].sort(longestFirst));
    }
  }

  scrub(text: string): string {
    if (this.#keys.size === 0) return text;
    this.prepare();
    let out = '';
    let copied = 0;
    for (let at = 0; at < text.length; ) {
      const found = this.#variantAt(text, at);
      if (found === undefined) {
        at += 1;
        continue;
      }
      out += text.slice(copied, at) + REDACTED;
      at += found.length;
      copied = at;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /** The longest variant that `text` holds at `at`, as one alternation of them all would find it. */
  #variantAt(text: string, at: number): string | undefined {
    const bucket = at + PREFIX <= text.length ? this.#byPrefix.get(prefixAt(text, at)) : undefined;
    const found = bucket?.find((variant) => text.startsWith(variant, at));
    if (found !== undefined || this.#short.length === 0) return found;
    return this.#short.find((variant) => text.startsWith(variant, at));
  }
}

/** Three UTF-16 code units as one number: a map key that costs no string per position. */
const PREFIX = 3;

function prefixAt(text: string, at: number): number {
  return text.charCodeAt(at) * 2 ** 32 + text.charCodeAt(at + 1) * 2 ** 16 + text.charCodeAt(at + 2);
}

function longestFirst(a: string, b: string): number {
  return b.length - a.length;
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
