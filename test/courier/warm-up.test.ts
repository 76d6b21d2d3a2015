import { afterEach, describe, expect, it } from 'vitest';
import type { MocoClient } from '../../src/moco/client.js';
import { type Rig, startRig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A client whose warm() is counted and then fails the given way; nothing else is asked of it here. */
function warmingClient(fail: 'rejects' | 'throws') {
  const calls = { warm: 0 };
  const client = {
    warm: () => {
      calls.warm += 1;
      if (fail === 'throws') throw new Error('no socket today');
      return Promise.reject(new Error('connection refused'));
    },
    close: () => {},
  } as unknown as MocoClient;
  return { client, calls };
}

describe('Courier.warmUp', () => {
  it('opens a connection ahead of a tap only while it sends to MOCO', async () => {
    const { client, calls } = warmingClient('rejects');
    rig = await startRig({ courier: { client } });
    expect(rig.courier.warmUp()).toBe(false);
    expect(calls.warm).toBe(0);
    rig.courier.start();
    expect(rig.courier.warmUp()).toBe(true);
    expect(calls.warm).toBe(1);
  });

  it('costs the tap nothing when the connection cannot be opened', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (const fail of ['rejects', 'throws'] as const) {
        const { client, calls } = warmingClient(fail);
        const own = await startRig({ courier: { client } });
        own.courier.start();
        expect(own.courier.warmUp()).toBe(true);
        expect(calls.warm).toBe(1);
        await own.close();
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
