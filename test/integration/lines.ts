/** Reading a child's output line by line, and waiting for the line a test expects. */

const WAIT_MS = 8_000;

export type LogLine = Record<string, unknown> & { msg?: string };

/**
 * The lines of a child's output. `next` hands out each line once, oldest first, so two waits for
 * the same kind of line get two different lines.
 */
export class Lines<T> {
  readonly lines: T[] = [];
  private readonly taken = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private rest = '';

  constructor(stream: NodeJS.ReadableStream, parse: (line: string) => T) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.rest += chunk;
      const parts = this.rest.split('\n');
      this.rest = parts.pop() ?? '';
      for (const part of parts) if (part.trim() !== '') this.lines.push(parse(part));
      for (const listener of [...this.listeners]) listener();
    });
  }

  /** The first line not handed out yet that matches, waiting up to `timeoutMs` for it. */
  next(match: (line: T) => boolean, what: string, timeoutMs = WAIT_MS): Promise<T> {
    return new Promise((resolvePromise, reject) => {
      const look = () => {
        const index = this.lines.findIndex((line, i) => !this.taken.has(i) && match(line));
        if (index === -1) return;
        this.taken.add(index);
        finish();
        resolvePromise(this.lines[index] as T);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${timeoutMs} ms; lines so far:\n${this.dump()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(look);
      };
      this.listeners.add(look);
      look();
    });
  }

  dump(): string {
    return this.lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
  }
}

/** A daemon's stdout: pino JSON lines. */
export class JsonLines extends Lines<LogLine> {
  constructor(stream: NodeJS.ReadableStream) {
    super(stream, (line) => {
      try {
        // The console signals ring the terminal's bell (BEL) just before the next log line.
        const BELL = '\u0007';
        let start = 0;
        while (line[start] === BELL) start += 1;
        return JSON.parse(line.slice(start)) as LogLine;
      } catch {
        return { msg: '(not json)', text: line };
      }
    });
  }

  /** Lines with this message, handed out or not. */
  all(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }
}
