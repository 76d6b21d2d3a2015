import { describe, expect, it } from 'vitest';
import { addToBadgeField, readBadgeField } from '../../src/directory/field.js';
import { createTypedUidNormalizer } from '../../src/readers/uid.js';

const hex = createTypedUidNormalizer({ format: 'hex', reverseBytes: false });

describe('readBadgeField', () => {
  it('reads UIDs separated by commas, semicolons, spaces or lines, each once', () => {
    expect(readBadgeField(' 04:a1:b2, 0BEE;0bee\n0C1A  ', hex)).toEqual({
      uids: ['04A1B2', '0BEE', '0C1A'],
      invalid: [],
    });
  });

  it('reads a MultiSelect array, and holds nothing in a value that is no text', () => {
    expect(readBadgeField(['04A1', '0BEE 0C1A'], hex).uids).toEqual(['04A1', '0BEE', '0C1A']);
    expect(readBadgeField(null, hex)).toEqual({ uids: [], invalid: [] });
    expect(readBadgeField(42, hex)).toEqual({ uids: [], invalid: [] });
  });

  it('keeps what is no UID apart, as typed', () => {
    expect(readBadgeField('04A1, Karte #3', hex)).toEqual({ uids: ['04A1'], invalid: ['Karte', '#3'] });
  });
});

describe('addToBadgeField', () => {
  it("adds a UID and keeps the person's other UIDs as they were typed", () => {
    expect(addToBadgeField('04a1 0BEE', '0C1A')).toBe('04a1, 0BEE, 0C1A');
    expect(addToBadgeField(undefined, '0C1A')).toBe('0C1A');
    expect(addToBadgeField('', '0C1A')).toBe('0C1A');
    expect(addToBadgeField(['04A1'], '0C1A')).toEqual(['04A1', '0C1A']);
  });
});
