import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { errorMessage } from '../../error-message.js';
import type { SimUser } from './types.js';

/** Fake users for demos and tests; Clara's key has staff rights and may impersonate the others. */
export const DEMO_USERS: SimUser[] = [
  { id: 1001, firstname: 'Anna', lastname: 'Schmidt', email: 'anna@example.com', apiKey: 'demo-key-anna' },
  { id: 1002, firstname: 'Ben', lastname: 'Meyer', email: 'ben@example.com', apiKey: 'demo-key-ben' },
  {
    id: 1003,
    firstname: 'Clara',
    lastname: 'Wagner',
    email: 'clara@example.com',
    apiKey: 'demo-key-clara',
    staff: true,
  },
];

const simUserSchema = z.strictObject({
  id: z.number().int().positive(),
  uuid: z.string().min(1).optional(),
  firstname: z.string().min(1),
  lastname: z.string().min(1),
  email: z.string().min(1).optional(),
  apiKey: z.string().min(1),
  staff: z.boolean().optional(),
  editsUsers: z.boolean().optional(),
  active: z.boolean().optional(),
  extern: z.boolean().optional(),
  customProperties: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  tags: z.array(z.string()).optional(),
  birthday: z.string().optional(),
});

/**
 * Reads a JSON or YAML list of simulator users (YAML is a superset of JSON). Throws an Error naming
 * the file, the entry and the field when something is wrong, and on duplicate ids or keys.
 */
export function loadUsersFile(path: string): SimUser[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`users file ${path}: ${errorMessage(error)}`);
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new Error(`users file ${path}: expected a non-empty list of users`);
  }
  const users: SimUser[] = [];
  raw.forEach((entry, index) => {
    const result = simUserSchema.safeParse(entry);
    if (!result.success) {
      const problems = result.error.issues
        .map((issue) => `${issue.path.join('.') || '(entry)'}: ${issue.message}`)
        .join('; ');
      throw new Error(`users file ${path}: entry ${index + 1}${describe(entry)}: ${problems}`);
    }
    const clash = users.find((u) => u.id === result.data.id || u.apiKey === result.data.apiKey);
    if (clash !== undefined) {
      const what = clash.id === result.data.id ? `id ${clash.id}` : 'apiKey';
      throw new Error(
        `users file ${path}: entry ${index + 1}: duplicate ${what} (also used by user ${clash.id})`,
      );
    }
    users.push(result.data);
  });
  return users;
}

function describe(entry: unknown): string {
  if (typeof entry !== 'object' || entry === null) return '';
  const { id, firstname } = entry as { id?: unknown; firstname?: unknown };
  const parts = [typeof id === 'number' ? `id ${id}` : '', typeof firstname === 'string' ? firstname : ''];
  const label = parts.filter((p) => p !== '').join(', ');
  return label === '' ? '' : ` (${label})`;
}
