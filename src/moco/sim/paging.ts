/** Pages of a list as MOCO serves them: `per_page` up to 100, `X-Page`/`X-Per-Page`/`X-Total`, `Link`. */

const MAX_PER_PAGE = 100;

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

function positiveInt(raw: string | null, fallback: number): number {
  const value = raw === null || !/^\d+$/.test(raw) ? Number.NaN : Number(raw);
  return Number.isSafeInteger(value) && value >= 1 ? value : fallback;
}

/** The page `query` asks for, with the headers MOCO sends on every list, even an empty one. */
export function pageOf<T>(all: readonly T[], origin: string, path: string, query: URLSearchParams): Page<T> {
  const perPage = Math.min(positiveInt(query.get('per_page'), MAX_PER_PAGE), MAX_PER_PAGE);
  const page = positiveInt(query.get('page'), 1);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const headers: Record<string, string> = {
    'X-Page': String(page),
    'X-Per-Page': String(perPage),
    'X-Total': String(all.length),
  };
  const link = paginationLinks(origin, path, query, page, lastPage);
  if (link !== '') headers.Link = link;
  return { items: all.slice((page - 1) * perPage, page * perPage), headers };
}

/** RFC 8288 links as the api-pagination gem behind MOCO writes them: first/prev, then last/next. */
function paginationLinks(
  origin: string,
  path: string,
  query: URLSearchParams,
  page: number,
  lastPage: number,
): string {
  const linkTo = (target: number, rel: string): string => {
    const next = new URLSearchParams(query);
    next.set('page', String(target));
    return `<${origin}${path}?${next.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(linkTo(1, 'first'), linkTo(Math.min(page - 1, lastPage), 'prev'));
  if (page < lastPage) links.push(linkTo(lastPage, 'last'), linkTo(page + 1, 'next'));
  return links.join(', ');
}
