import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/moco-timeclock/config.yaml';
export const CONFIG_ENV = 'MOCO_TIMECLOCK_CONFIG';

/** A configuration that cannot be used, with every problem found (not just the first). */
export class ConfigError extends Error {
  readonly problems: string[];
  readonly path: string;

  constructor(path: string, problems: string[]) {
    super(`${path}: invalid configuration\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.path = path;
    this.problems = problems;
  }
}

/** Absolute, so that every message naming it (or the master key beside it) says which file. */
export function resolveConfigPath(cliPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const path = cliPath ?? env[CONFIG_ENV] ?? DEFAULT_CONFIG_PATH;
  return path.includes('\0') ? path : resolve(path);
}

export function loadConfig(path: string): Config {
  if (path.includes('\0')) {
    throw new ConfigError(path, [
      `${JSON.stringify(path)}: the path contains a NUL byte; give the file's real path`,
    ]);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`${path}: ${unreadable((error as NodeJS.ErrnoException).code)}`]);
  }
  return parseConfig(text, path);
}

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
    throw new ConfigError(
      path,
      document.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`),
    );
  }
  const raw: unknown = document.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      path,
      result.error.issues.flatMap((issue) => describeIssue(issue, raw)),
    );
  }
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return `${dotted(path)}: unknown key (got ${show(valueAt(raw, path))})`;
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
