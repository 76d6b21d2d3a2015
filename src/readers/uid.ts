import type { ReaderConfig, UidConfig } from './config.js';

declare const uidBrand: unique symbol;

/**
 * A UID as the badge stores key it: trimmed, upper case, in the configured form. Made only in this
 * file, so a store handed one looks it up as it is, without normalising it again.
 */
export type Uid = string & { readonly [uidBrand]: true };

/**
 * What a reader's UID text is known to be. `hex`: always hexadecimal (RDM6300 frames), so a UID made
 * of digits only is still hex. `text`: typed by a reader (keyboard wedge, line protocol, stdin), where
 * a UID of digits only is taken for a decimal number.
 */
export type UidOrigin = 'hex' | 'text';

const MAX_UINT32 = 0xffff_ffff;
const DIGITS = /^[0-9]+$/;
const HEX_WITH_SEPARATORS = /^[0-9A-F]+([:-][0-9A-F]+)*$/;

export function uidOrigin(reader: Pick<ReaderConfig, 'type' | 'protocol'>): UidOrigin {
  return reader.type === 'serial' && reader.protocol === 'rdm6300' ? 'hex' : 'text';
}

/** The UID as an even number of upper-case hex digits, or null if it is not a number. */
function toHex(uid: string, origin: UidOrigin): string | null {
  if (origin === 'text' && DIGITS.test(uid)) {
    const digits = uid.replace(/^0+(?=.)/, '');
    if (digits.length > 10) return null;
    const value = Number(digits);
    if (value > MAX_UINT32) return null;
    return value.toString(16).toUpperCase().padStart(8, '0');
  }
  if (!HEX_WITH_SEPARATORS.test(uid)) return null;
  const hex = uid.replace(/[:-]/g, '');
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

function reverseHexBytes(hex: string): string {
  return (hex.match(/../g) ?? []).reverse().join('');
}

/**
 * Brings a UID to the configured form, or returns null when it cannot be (see docs/hardware.md, "UID normalisation").
 * - always: trimmed, upper-case; empty is null.
 * - `as-read`: unchanged; with reverseBytes the UID is read as hex (digits included) and reversed.
 * - `hex`: hex without separators; a digits-only UID from a typing reader is a 32-bit decimal
 *   and becomes 8 hex digits.
 * - `decimal`: the 10-digit decimal of the low 32 bits of the hex form; a digits-only UID from a
 *   typing reader is already decimal (at most 4294967295).
 * reverseBytes reverses the bytes of the hex form before the output is made from it.
 */
export function normalizeUid(raw: string, cfg: UidConfig, origin: UidOrigin = 'text'): Uid | null {
  const uid = raw.trim().toUpperCase();
  if (uid.length === 0) return null;
  if (cfg.format === 'as-read' && !cfg.reverseBytes) return uid as Uid;

  const hexOrigin = cfg.format === 'as-read' ? 'hex' : origin;
  const hex = toHex(uid, hexOrigin);
  if (hex === null) return null;
  const ordered = cfg.reverseBytes ? reverseHexBytes(hex) : hex;
  if (cfg.format !== 'decimal') return ordered as Uid;
  return Number.parseInt(ordered.slice(-8), 16).toString().padStart(10, '0') as Uid;
}

/** normalizeUid bound to one configuration, for the tap pipeline. */
export function createUidNormalizer(reader: ReaderConfig, uid: UidConfig): (raw: string) => Uid | null {
  const origin = uidOrigin(reader);
  return (raw) => normalizeUid(raw, uid, origin);
}

/**
 * For a UID typed by an admin (`badge add`, `remove`, `rename`, an import file, MOCO's badge
 * field) or written there by `badge add`: with `format: hex`, `04:a2` becomes `04A2`, the UID a
 * reader producing `04A2` taps. A UID in the configured form already, so normalising it again
 * must not change it. A digits-only UID is decimal only when that is the configured form, and the
 * bytes are not reversed a second time (reverseBytes describes a reader, not what the kiosk
 * shows). An admin may still type a hex UID with separators, or in any case, and it comes out as
 * the reader's would.
 */
export function createTypedUidNormalizer(uid: UidConfig): (raw: string) => Uid | null {
  const origin: UidOrigin = uid.format === 'decimal' ? 'text' : 'hex';
  const config = { ...uid, reverseBytes: false };
  return (raw) => normalizeUid(raw, config, origin);
}

const BADGE_UID = /^[A-Z0-9:-]{1,64}$/;

/**
 * A UID as an admin gives it (`badge add`, the web pages, an import file, MOCO's badge field):
 * trimmed and upper case, and 1 to 64 letters, digits, "-" or ":"; null for anything else.
 */
export function badgeUid(raw: string): Uid | null {
  const uid = raw.trim().toUpperCase();
  return BADGE_UID.test(uid) ? (uid as Uid) : null;
}

/** A UID read back from the kiosk's own database, where only a Uid is ever written. */
export function storedUid(uid: string): Uid {
  return uid as Uid;
}
