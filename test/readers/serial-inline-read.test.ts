import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type PollablePort, type ReadNow, readInline } from '../../src/readers/serial-inline-read.js';

/** A port whose fd holds what `deliver` put there; its poller says readable when asked to. */
class FakePort implements PollablePort {
  fd: number | null = 7;
  readonly poller = new EventEmitter() as EventEmitter & PollablePort['poller'];
  private pending: Buffer[] = [];
  reads = 0;

  get isOpen(): boolean {
    return this.fd !== null;
  }

  deliver(bytes: Buffer): void {
    this.pending.push(bytes);
    this.poller.emit('readable', null);
  }

  readonly read: ReadNow = (fd, buffer, offset, length) => {
    this.reads += 1;
    expect(fd).toBe(7);
    const next = this.pending.shift();
    if (next === undefined)
      throw Object.assign(new Error('EAGAIN: resource temporarily unavailable'), { code: 'EAGAIN' });
    return next.copy(buffer, offset, 0, Math.min(length, next.length));
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('readInline', () => {
  it('returns what the fd holds at once, into the given place of the buffer', async () => {
    const port = new FakePort();
    port.deliver(Buffer.from('0102', 'hex'));
    const buffer = Buffer.alloc(8);
    const result = await readInline(port, buffer, 3, 5, port.read);
    expect(result.bytesRead).toBe(2);
    expect(buffer.subarray(3, 5)).toEqual(Buffer.from('0102', 'hex'));
    expect(port.reads).toBe(1);
  });

  it('waits for the poller when nothing is there yet, then reads', async () => {
    const port = new FakePort();
    const buffer = Buffer.alloc(4);
    let done = false;
    const read = readInline(port, buffer, 0, 4, port.read).then((r) => {
      done = true;
      return r;
    });
    await settled();
    expect(done).toBe(false);
    expect(port.poller.listenerCount('readable')).toBe(1);
    port.deliver(Buffer.from('ab', 'latin1'));
    expect((await read).bytesRead).toBe(2);
    expect(buffer.subarray(0, 2).toString('latin1')).toBe('ab');
  });

  it('waits again when the poller woke it for nothing, without spinning', async () => {
    const port = new FakePort();
    const read = readInline(port, Buffer.alloc(4), 0, 4, port.read);
    await settled();
    port.poller.emit('readable', null);
    await settled();
    expect(port.reads).toBe(2);
    expect(port.poller.listenerCount('readable')).toBe(1);
    port.deliver(Buffer.from('z', 'latin1'));
    expect((await read).bytesRead).toBe(1);
  });

  it('reads a zero-byte read as nothing yet', async () => {
    const port = new FakePort();
    let zero = true;
    const read = readInline(port, Buffer.alloc(4), 0, 4, (fd, buffer, offset, length) => {
      if (zero) {
        zero = false;
        return 0;
      }
      return port.read(fd, buffer, offset, length);
    });
    await settled();
    port.deliver(Buffer.from('q', 'latin1'));
    expect((await read).bytesRead).toBe(1);
  });

  it('is canceled, as the stream expects, once the port is closed', async () => {
    const port = new FakePort();
    port.fd = null;
    await expect(readInline(port, Buffer.alloc(4), 0, 4, port.read)).rejects.toMatchObject({
      canceled: true,
    });
  });

  it('is canceled when the port closes while it waits', async () => {
    const port = new FakePort();
    const read = readInline(port, Buffer.alloc(4), 0, 4, port.read);
    await settled();
    port.fd = null;
    port.poller.emit('readable', null);
    await expect(read).rejects.toMatchObject({ canceled: true });
  });

  it('passes an error of the device on, not canceled: the stream takes it for a disconnect', async () => {
    const port = new FakePort();
    const eio = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    const read = readInline(port, Buffer.alloc(4), 0, 4, () => {
      throw eio;
    });
    await expect(read).rejects.toBe(eio);
    await expect(read).rejects.not.toHaveProperty('canceled');
  });

  it('passes on an error of the poller', async () => {
    const port = new FakePort();
    const read = readInline(port, Buffer.alloc(4), 0, 4, port.read);
    await settled();
    const failure = new Error('poll failed');
    port.poller.emit('readable', failure);
    await expect(read).rejects.toBe(failure);
  });
});
