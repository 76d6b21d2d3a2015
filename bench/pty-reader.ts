import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Holds the master side of a pseudo-terminal and writes RDM6300 frames into it, for the daemon's
 * serial reader on the other side. Node cannot open a pty pair itself; Python can. The write time
 * is taken in Python right before os.write, on CLOCK_MONOTONIC, the clock of process.hrtime.
 */
const SCRIPT = `
import os, sys, time, tty
master, slave = os.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
for line in sys.stdin:
    frame = bytes.fromhex(line.strip())
    at = time.monotonic_ns()
    os.write(master, frame)
    print(at, flush=True)
`;

/** `0x02`, the 10 hex characters, their checksum (XOR of the 5 bytes) as 2 hex characters, `0x03`. */
export function rdm6300Frame(uid: string): Buffer {
  if (!/^[0-9A-F]{10}$/.test(uid)) throw new RangeError(`not 10 hex characters: ${uid}`);
  let xor = 0;
  for (let i = 0; i < 10; i += 2) xor ^= Number.parseInt(uid.slice(i, i + 2), 16);
  const checksum = xor.toString(16).toUpperCase().padStart(2, '0');
  return Buffer.concat([
    Buffer.from([0x02]),
    Buffer.from(`${uid}${checksum}`, 'latin1'),
    Buffer.from([0x03]),
  ]);
}

export class PtyReader {
  private readonly written: ((at: bigint) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    /** The device the daemon opens, /dev/pts/N. */
    readonly path: string,
    lines: AsyncIterator<string>,
  ) {
    void (async () => {
      for (let line = await lines.next(); !line.done; line = await lines.next()) {
        this.written.shift()?.(BigInt(line.value));
      }
    })();
  }

  static async open(): Promise<PtyReader> {
    const child = spawn('python3', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error('python3 could not open a pseudo-terminal');
    return new PtyReader(child, first.value, lines);
  }

  /** Presents a badge; resolves with the process.hrtime.bigint() instant its frame was written. */
  tap(uid: string): Promise<bigint> {
    return new Promise((resolve) => {
      this.written.push(resolve);
      this.child.stdin?.write(`${rdm6300Frame(uid).toString('hex')}\n`);
    });
  }

  close(): void {
    this.child.kill();
  }
}
