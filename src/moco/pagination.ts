/** MOCO pages lists with RFC 8288 `Link` headers; this is the largest page it serves. */
export const MAX_PER_PAGE = 100;

const LINK_VALUE = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g;
const REL_PARAM = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i;

/** The target of `rel="next"`, resolved against the URL of the page that carried the header. */
export function nextPageUrl(linkHeader: string | undefined, pageUrl: string): string | undefined {
  if (linkHeader === undefined) return undefined;
  for (const match of linkHeader.matchAll(LINK_VALUE)) {
    const rel = REL_PARAM.exec(match[2] ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return new URL(match[1] ?? '', pageUrl).toString();
  }
  return undefined;
}
