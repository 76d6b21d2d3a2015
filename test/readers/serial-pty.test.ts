import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { importSerialPort } from '../../src/readers/native.js';
import { SerialReader } from '../../src/readers/serial-reader.js';
import { captureLogger } from '../fakes/logger.js';
import { ManualTimers } from '../fakes/timers.js';
import { recorder } from './helpers.js';

/**
 * python3 holds a pseudo-terminal's master: each hex line on its stdin is written to it, `close`
 * closes it (the device unplugged). The reader opens the other side with the real serialport binding.
 */
const SCRIPT = `
import os, sys, tty
master, slave = os.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
for line in sys.stdin:
    if line.strip() == 'close':
        os.close(master)
        os.close(slave)
        print('closed', flush=True)
    else:
        os.write(master, bytes.fromhex(line.strip()))
`;

const FRAME = '0231413030383446303742313503'; // 1A0084F07B

let holder: ChildProcess | undefined;

async function openPty(): Promise<{ path: string; send(line: string): void; closed: Promise<void> }> {
  const child = spawn('python3', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  holder = child;
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let closed = () => {};
  const path = await new Promise<string>((resolve) => {
    lines.on('line', (line) => {
      if (line === 'closed') closed();
      else resolve(line);
    });
  });
  return {
    path,
    send: (line) => child.stdin?.write(`${line}\n`),
    closed: new Promise((resolve) => {
      closed = resolve;
    }),
  };
}

afterEach(() => {
  holder?.kill();
  holder = undefined;
});

describe('SerialReader on a pseudo-terminal, through the real serialport binding', () => {
  it('reads RDM6300 frames, split and whole, and reports the device gone when it closes', async () => {
    const pty = await openPty();
    const events = recorder();
    const { logger } = captureLogger();
    const reader = new SerialReader({
      path: pty.path,
      baudRate: 9600,
      protocol: 'rdm6300',
      SerialPort: await importSerialPort(),
      logger,
      timers: new ManualTimers(),
    });
    await reader.start(events.onUid, events.onState);
    expect(events.states).toEqual(['connected']);

    pty.send(FRAME.slice(0, 10));
    pty.send(FRAME.slice(10));
    await vi.waitFor(() => expect(events.uids).toEqual(['1A0084F07B']));
    pty.send(FRAME + FRAME);
    await vi.waitFor(() => expect(events.uids).toEqual(['1A0084F07B', '1A0084F07B', '1A0084F07B']));

    pty.send('close');
    await pty.closed;
    await vi.waitFor(() => expect(events.states).toEqual(['connected', 'disconnected']));
    await reader.stop();
  });
});
