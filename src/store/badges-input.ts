import { badgeUid, type Uid } from '../readers/uid.js';

/**
 * What the badge store refuses, and the checks on what an admin hands it that the store and its
 * import share.
 */

export type BadgeErrorCode =
  | 'malformed_uid'
  | 'empty_key'
  | 'bad_key'
  | 'no_user'
  | 'exists'
  | 'not_found'
  | 'import_row'
  /** A badge of the import was removed by someone else between checking the file and writing it. */
  | 'import_conflict';

export interface ImportProblem {
  line: number;
  message: string;
}

export class BadgeError extends Error {
  readonly code: BadgeErrorCode;
  /** For `import_row`: every bad row. */
  readonly problems: ImportProblem[];

  constructor(code: BadgeErrorCode, message: string, problems: ImportProblem[] = []) {
    super(message);
    this.name = 'BadgeError';
    this.code = code;
    this.problems = problems;
  }
}

export function normalizeBadgeUid(raw: string): Uid {
  const uid = badgeUid(raw);
  if (uid === null) {
    throw new BadgeError(
      'malformed_uid',
      `${JSON.stringify(raw)} is not a badge UID: use 1 to 64 letters, digits, "-" or ":"`,
    );
  }
  return uid;
}

export function blankToNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}
