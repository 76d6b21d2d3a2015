import { describe, expect, it } from 'vitest';
import type { ReaderConfig, UidConfig } from '../../src/readers/config.js';
import {
  createTypedUidNormalizer,
  createUidNormalizer,
  normalizeUid,
  type UidOrigin,
  uidOrigin,
} from '../../src/readers/uid.js';
import { configWith } from '../config/build.js';

type Row = [
  raw: string,
  format: UidConfig['format'],
  reverseBytes: boolean,
  origin: UidOrigin,
  expected: string | null,
];

const rows: Row[] = [
  // as-read: trimmed and upper-cased, nothing else
  [' 0a00123456 ', 'as-read', false, 'text', '0A00123456'],
  ['04:a2:3b', 'as-read', false, 'text', '04:A2:3B'],
  ['anything-goes', 'as-read', false, 'text', 'ANYTHING-GOES'],
  ['   ', 'as-read', false, 'text', null],
  // as-read + reverseBytes: the UID is read as hex, digits included
  ['0A00123456', 'as-read', true, 'hex', '563412000A'],
  ['04:A2:3B:1C', 'as-read', true, 'text', '1C3BA204'],
  ['0012345678', 'as-read', true, 'text', '7856341200'],
  ['XYZ', 'as-read', true, 'text', null],
  // hex: digits only from a typing reader are a 32-bit decimal
  ['0001193046', 'hex', false, 'text', '00123456'],
  ['1193046', 'hex', false, 'text', '00123456'],
  ['4294967295', 'hex', false, 'text', 'FFFFFFFF'],
  ['4294967296', 'hex', false, 'text', null],
  ['12345678901', 'hex', false, 'text', null],
  ['0A00123456', 'hex', false, 'text', '0A00123456'],
  ['04:a2:3b:1c', 'hex', false, 'text', '04A23B1C'],
  ['04-A2-3B-1C', 'hex', false, 'text', '04A23B1C'],
  ['ABC', 'hex', false, 'text', '0ABC'],
  ['GHIJ', 'hex', false, 'text', null],
  ['04::A2', 'hex', false, 'text', null],
  ['0001193046', 'hex', true, 'text', '56341200'],
  ['0A00123456', 'hex', true, 'text', '563412000A'],
  // RDM6300 frames are hex even when they hold no letter
  ['0100123456', 'hex', false, 'hex', '0100123456'],
  // decimal: the 10-digit decimal of the low 32 bits
  ['0A00123456', 'decimal', false, 'hex', '0001193046'],
  ['1A0084F07B', 'decimal', false, 'hex', '0008712315'],
  ['0100123456', 'decimal', false, 'hex', '0001193046'],
  ['FFFFFFFF', 'decimal', false, 'text', '4294967295'],
  ['04:A2:3B:1C', 'decimal', false, 'text', '0077740828'],
  ['1193046', 'decimal', false, 'text', '0001193046'],
  ['0001193046', 'decimal', false, 'text', '0001193046'],
  ['0100123456', 'decimal', false, 'text', '0100123456'],
  ['4294967296', 'decimal', false, 'text', null],
  ['0A00123456', 'decimal', true, 'hex', '0873594890'],
  ['not-a-number', 'decimal', false, 'text', null],
];

describe('normalizeUid', () => {
  it.each(rows)('%j as %s (reverse %s, %s reader) -> %j', (raw, format, reverseBytes, origin, expected) => {
    expect(normalizeUid(raw, { format, reverseBytes }, origin)).toBe(expected);
  });

  it('reads UIDs as typed by default', () => {
    expect(normalizeUid('0100123456', { format: 'decimal', reverseBytes: false })).toBe('0100123456');
  });

  it('makes an RDM6300 UID and a keyboard reader decimal of the same EM4100 tag equal', () => {
    const cfg: UidConfig = { format: 'decimal', reverseBytes: false };
    expect(normalizeUid('0A00123456', cfg, 'hex')).toBe(normalizeUid('0001193046', cfg, 'text'));
  });
});

describe('uidOrigin and createUidNormalizer', () => {
  const base = configWith({ reader: { type: 'serial', path: '/dev/serial0' } }).reader;

  it('knows that only RDM6300 frames are always hex', () => {
    expect(uidOrigin(base)).toBe('hex');
    expect(uidOrigin({ ...base, protocol: 'line' })).toBe('text');
    expect(uidOrigin({ ...base, type: 'hid' })).toBe('text');
    expect(uidOrigin({ ...base, type: 'stdin' })).toBe('text');
  });

  it('binds the reader origin and the uid settings', () => {
    const normalize = createUidNormalizer(base, { format: 'decimal', reverseBytes: false });
    expect(normalize('0100123456')).toBe('0001193046');
  });
});

describe('createTypedUidNormalizer: a UID typed into MOCO or written there by the kiosk', () => {
  const configs: UidConfig[] = (['as-read', 'hex', 'decimal'] as const).flatMap((format) => [
    { format, reverseBytes: false },
    { format, reverseBytes: true },
  ]);
  const readings: [ReaderConfig['type'], ReaderConfig['protocol']][] = [
    ['serial', 'rdm6300'],
    ['stdin', 'line'],
  ];

  it('leaves a UID as the kiosk shows it unchanged, for every form and reader', () => {
    for (const uid of configs) {
      for (const [type, protocol] of readings) {
        const reader = { type, protocol } as ReaderConfig;
        const typed = createTypedUidNormalizer(uid);
        for (const raw of ['0A00123456', '04A23B1C', '0012345678', '1193046']) {
          const shown = createUidNormalizer(reader, uid)(raw);
          if (shown === null) continue;
          expect(typed(shown), `${JSON.stringify(uid)} ${type} ${raw}`).toBe(shown);
        }
      }
    }
  });

  it('brings a hex UID typed with separators or in lower case to the configured form', () => {
    expect(createTypedUidNormalizer({ format: 'hex', reverseBytes: false })(' 04:a2:3b:1c ')).toBe(
      '04A23B1C',
    );
    expect(createTypedUidNormalizer({ format: 'decimal', reverseBytes: true })('00:12:34:56')).toBe(
      '0001193046',
    );
    expect(createTypedUidNormalizer({ format: 'hex', reverseBytes: false })('not a uid')).toBeNull();
  });
});
