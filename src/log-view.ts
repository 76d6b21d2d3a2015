import { Writable } from 'node:stream';

/**
 * The log as a person reads it, where the daemon writes JSON for journald: the demo's lines, and the
 * warnings of the commands an installer runs by hand (`reader test`, `signals test`).
 */

type Entry = Record<string, unknown>;

/** A stream for pino that writes each line as `render` makes it; null leaves a line out. */
export function logView(out: NodeJS.WritableStream, render: (entry: Entry) => string | null): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const line = pending.slice(0, newline);
        const entry = parse(line);
        const text = entry === null ? `${line}\n` : render(entry);
        if (text !== null) out.write(text);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      done();
    },
  });
}

function parse(line: string): Entry | null {
  try {
    const entry: unknown = JSON.parse(line);
    return entry !== null && typeof entry === 'object' ? (entry as Entry) : null;
  } catch {
    return null;
  }
}

const BOOKKEEPING = new Set(['level', 'time', 'msg', 'part', 'pid', 'hostname']);

/** The facts of a line as `key=value`, an error by its message; `skip` names more to leave out. */
export function entryFields(entry: Entry, skip: readonly string[] = []): string[] {
  return Object.entries(entry)
    .filter(([key]) => !BOOKKEEPING.has(key) && !skip.includes(key))
    .map(([key, value]) => `${key}=${show(value)}`);
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  // pino writes an Error as { type, message, stack }: the message is what a person needs.
  if (value !== null && typeof value === 'object' && typeof (value as Entry).message === 'string') {
    return (value as Entry).message as string;
  }
  return JSON.stringify(value);
}

/** The demo's line: `    · scan uid=0A00B1C201 userName=Anna Schmidt outcome=clocked_in`. */
export function demoLine(entry: Entry): string {
  return `    · ${[String(entry.msg), ...entryFields(entry)].join(' ')}\n`;
}

const LEVEL_WORDS: readonly [number, string][] = [
  [50, 'error: '],
  [40, 'warning: '],
];

/**
 * A command's line: `warning: <message> (key=value, ...)`. The code is for programs; the message
 * already says it in words.
 */
export function commandLine(entry: Entry): string {
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const word = LEVEL_WORDS.find(([at]) => level >= at)?.[1] ?? '';
  const fields = entryFields(entry, ['code']);
  return `${word}${String(entry.msg)}${fields.length === 0 ? '' : ` (${fields.join(', ')})`}\n`;
}
