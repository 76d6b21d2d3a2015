import { Writable } from 'node:stream';

/** The demo shows its log lines short and readable, where the daemon writes JSON for journald. */
export function readableLogStream(out: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        out.write(formatLine(pending.slice(0, newline)));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      done();
    },
  });
}

const SKIPPED = new Set(['level', 'time', 'msg', 'part', 'pid', 'hostname']);

export function formatLine(line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const fields = Object.entries(entry)
      .filter(([key]) => !SKIPPED.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    return `    · ${String(entry.msg)} ${fields.join(' ')}\n`;
  } catch {
    return `    · ${line}\n`;
  }
}
