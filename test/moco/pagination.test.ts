import { describe, expect, it } from 'vitest';
import { nextPageUrl } from '../../src/moco/pagination.js';

const PAGE = 'https://acme.mocoapp.com/api/v1/users/presences?per_page=100&page=2';

describe('nextPageUrl', () => {
  it('finds rel="next" among first, prev and last as the api-pagination gem writes them', () => {
    const header = [
      '<https://acme.mocoapp.com/api/v1/users/presences?page=1&per_page=100>; rel="first"',
      '<https://acme.mocoapp.com/api/v1/users/presences?page=1&per_page=100>; rel="prev"',
      '<https://acme.mocoapp.com/api/v1/users/presences?page=3&per_page=100>; rel="last"',
      '<https://acme.mocoapp.com/api/v1/users/presences?page=3&per_page=100>; rel="next"',
    ].join(', ');
    expect(nextPageUrl(header, PAGE)).toBe(
      'https://acme.mocoapp.com/api/v1/users/presences?page=3&per_page=100',
    );
  });

  it('resolves a relative link and accepts an unquoted or multi-valued rel', () => {
    expect(nextPageUrl('</api/v1/users/presences?page=3>; rel=next', PAGE)).toBe(
      'https://acme.mocoapp.com/api/v1/users/presences?page=3',
    );
    expect(nextPageUrl('<?page=3>; title="x"; rel="last next"', PAGE)).toBe(
      'https://acme.mocoapp.com/api/v1/users/presences?page=3',
    );
  });

  it('is undefined on the last page or without a header', () => {
    expect(
      nextPageUrl('<https://acme.mocoapp.com/api/v1/users/presences?page=1>; rel="first"', PAGE),
    ).toBeUndefined();
    expect(nextPageUrl(undefined, PAGE)).toBeUndefined();
    expect(nextPageUrl('', PAGE)).toBeUndefined();
  });

  it('throws on a next link that is not a URL', () => {
    expect(() => nextPageUrl('<http://[bad>; rel="next"', PAGE)).toThrow();
  });
});
