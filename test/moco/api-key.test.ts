import { describe, expect, it } from 'vitest';
import { apiKeyProblem } from '../../src/moco/api-key.js';

describe('apiKeyProblem', () => {
  it('accepts printable ASCII and names the first character that cannot be in a key', () => {
    expect(apiKeyProblem('abc-DEF_123+/=')).toBeNull();
    expect(apiKeyProblem('')).toBe('is empty');
    expect(apiKeyProblem('ab cd')).toBe('has a space at position 3');
    expect(apiKeyProblem('ab\tcd')).toBe('has a tab at position 3');
    expect(apiKeyProblem('ab\ncd')).toBe('has a line break at position 3');
    expect(apiKeyProblem('a\u0000')).toBe('has a control character (0x00) at position 2');
    expect(apiKeyProblem('schlüssel')).toBe('has a character that is not plain ASCII at position 5');
  });
});
