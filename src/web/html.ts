import escapeHtml from 'escape-html';

/**
 * HTML that is safe to send: built only by `html` (which escapes every value put into it) or by
 * `trusted` for text that is HTML by construction. Anything else reaching a page is escaped, so a
 * badge label or a MOCO answer can never become markup.
 */
export class Html {
  readonly #text: string;

  private constructor(text: string) {
    this.#text = text;
  }

  static trusted(text: string): Html {
    return new Html(text);
  }

  toString(): string {
    return this.#text;
  }
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A tagged template: `html\`<td>${label}</td>\`` escapes `label`, keeps nested `Html` as it is. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? '');
  });
  return Html.trusted(text);
}
