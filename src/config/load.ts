import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { keysAt, nearestKey } from './keys.js';
import { type Config, configSchema } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/moco-timeclock/config.yaml';
export const CONFIG_ENV = 'MOCO_TIMECLOCK_CONFIG';

/** The template every installation starts from, beside the code (in a checkout and in /opt). */
export const EXAMPLE_CONFIG_PATH = fileURLToPath(
  new URL('../../config/config.example.yaml', import.meta.url),
);

/** `unreadable`: the file cannot be read at all; `invalid`: it was read and is wrong. */
export type ConfigErrorCode = 'unreadable' | 'invalid';

/**
 * A configuration that cannot be used, with every problem found (not just the first). A problem
 * may run over several lines (a YAML error shows the line and a caret under the spot).
 */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly problems: string[];
  readonly path: string;

  constructor(code: ConfigErrorCode, path: string, problems: string[]) {
    super(
      `${path}: ${code === 'invalid' ? 'invalid configuration' : 'cannot be read'}\n${indentProblems(problems)}`,
    );
    this.name = 'ConfigError';
    this.code = code;
    this.path = path;
    this.problems = problems;
  }
}

/** The problems as printed under a heading: two spaces before every line of every problem. */
export function indentProblems(problems: readonly string[]): string {
  return problems.map((problem) => problem.replace(/^/gm, '  ')).join('\n');
}

/** Absolute, so that every message naming it (or the master key beside it) says which file. */
export function resolveConfigPath(cliPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const path = cliPath ?? env[CONFIG_ENV] ?? DEFAULT_CONFIG_PATH;
  return path.includes('\0') ? path : resolve(path);
}

export function loadConfig(path: string): Config {
  if (path.includes('\0')) {
    throw new ConfigError('unreadable', path, [
      `${JSON.stringify(path)}: the path contains a NUL byte; give the file's real path`,
    ]);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError('unreadable', path, [
      `${path}: ${unreadable(code)}`,
      ...(code === 'ENOENT' && path === DEFAULT_CONFIG_PATH ? NO_CONFIG_YET : []),
    ]);
  }
  return parseConfig(text, path);
}

/** Nothing at the default path: in a checkout, or before the installer ran. The way forward. */
const NO_CONFIG_YET = [
  `that is the default; give another with --config FILE (or $${CONFIG_ENV}), or install with sudo scripts/install.sh`,
  `the template is ${EXAMPLE_CONFIG_PATH}: copy it, set moco.domain and dataDir, and pass the copy with --config`,
];

function unreadable(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return 'is a directory; give the configuration file in it';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'not readable by this user (the installed one is readable by root and the service user: use sudo)';
    default:
      return `cannot be read (${code ?? 'unknown error'})`;
  }
}

export function parseConfig(text: string, path = '<config>'): Config {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError('invalid', path, document.errors.map(describeYamlError));
  }
  const raw: unknown = document.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      'invalid',
      path,
      result.error.issues.flatMap((issue) => describeIssue(issue, raw)),
    );
  }
  return result.data;
}

/**
 * `YAML syntax at line 3, column 1: <what>`, then the lines around it with a caret under the spot,
 * as the yaml library shows them (its message is `<what> at line L, column C:\n\n<lines>`).
 */
function describeYamlError(error: YAMLError): string {
  const [head = error.message, context = ''] = error.message.split(/:\n\n/, 2);
  const what = head.replace(/ at line \d+, column \d+$/, '');
  const at = error.linePos?.[0];
  const where = at === undefined ? '' : ` at line ${at.line}, column ${at.col}`;
  const lines = context.replace(/\n+$/, '').split('\n');
  return [`YAML syntax${where}: ${what}`, ...(context === '' ? [] : lines.map((line) => `  ${line}`))].join(
    '\n',
  );
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const near = nearestKey(key, keysAt(issue.path));
      const hint = near === null ? '' : `; did you mean ${dotted([...issue.path, near])}?`;
      return `${dotted(path)}: unknown key (got ${show(valueAt(raw, path))})${hint}`;
    });
  }
  return [`${dotted(issue.path)}: ${issue.message} (got ${show(valueAt(raw, issue.path))})`];
}

function dotted(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
