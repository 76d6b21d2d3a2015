import type { Connectivity } from '../connectivity.js';
import { demoLine } from '../log-view.js';

/** What the narrator asks the running kiosk: is MOCO reachable, how many taps wait. */
export interface KioskFacts {
  connectivity(): Connectivity;
  waiting(): number;
}

/** Lines that say, per retry, what the state line says once: shown only with `demo --verbose`. */
const DETAILS = new Set(['delivery postponed', 'MOCO reachable', 'MOCO unreachable']);
/** Lines after which the state may have changed: a tap stored or sent, MOCO found up or down. */
const CHANGES = new Set(['scan', 'delivered', 'tap failed', ...DETAILS]);

/**
 * The demo's log view: each log line short and readable, and one line whenever MOCO's state or the
 * number of waiting taps changes ("MOCO unreachable, 2 taps waiting") instead of a line per retry.
 * The state is read a tick after the line that may have changed it: the courier logs a delivery
 * just before it records it.
 */
export class DemoNarrator {
  private facts: KioskFacts | null = null;
  private said = 'online 0';
  private checking = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly options: { verbose: boolean; columns: () => number | undefined },
  ) {}

  /** From now on the state is read from this kiosk; until then only log lines are shown. */
  attach(facts: KioskFacts): void {
    this.facts = facts;
  }

  /** Before the kiosk stops: its database is not to be read any more. */
  detach(): void {
    this.facts = null;
  }

  /** The text for one log line (null: left out); what `logView` calls. */
  render = (entry: Record<string, unknown>): string | null => {
    const msg = String(entry.msg);
    if (CHANGES.has(msg)) this.checkSoon();
    if (DETAILS.has(msg) && !this.options.verbose) return null;
    return wrapLine(demoLine(entry), this.options.columns());
  };

  private checkSoon(): void {
    if (this.checking) return;
    this.checking = true;
    setImmediate(() => {
      this.checking = false;
      const line = this.stateLine();
      if (line !== null) this.out.write(line);
    });
  }

  private stateLine(): string | null {
    if (this.facts === null) return null;
    const connectivity = this.facts.connectivity();
    const waiting = this.facts.waiting();
    const state = `${connectivity} ${waiting}`;
    if (state === this.said) return null;
    this.said = state;
    const taps = waiting === 1 ? '1 tap waiting' : `${waiting} taps waiting`;
    if (connectivity === 'offline') return `  MOCO unreachable, ${taps}\n`;
    return waiting === 0 ? '  MOCO reachable, every tap delivered\n' : `  MOCO reachable, ${taps}\n`;
  }
}

/**
 * A line longer than the terminal, broken at spaces with the rest indented, where the terminal
 * would break it in the middle of a word. Unchanged where the width is not known (a pipe).
 */
export function wrapLine(line: string, columns: number | undefined): string {
  const text = line.replace(/\n$/, '');
  if (columns === undefined || text.length <= columns) return line;
  const indent = ' '.repeat(8);
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/(?<=\S) (?=\S)/)) {
    const next = current === '' ? word : `${current} ${word}`;
    if (next.length > columns && current !== '') {
      lines.push(current);
      current = `${indent}${word.trimStart()}`;
    } else {
      current = next;
    }
  }
  lines.push(current);
  return `${lines.join('\n')}\n`;
}
