import { describe, expect, it } from 'vitest';
import { clockCheck } from '../../src/doctor/clock.js';
import { context, single } from './helpers.js';

const probe = (answer: boolean | null) => ({ synchronized: async () => answer });

describe('clockCheck', () => {
  it('passes a synchronised clock', async () => {
    expect(await single(clockCheck(probe(true)), context())).toEqual({
      status: 'ok',
      detail: 'the system clock is synchronised',
    });
  });

  it('fails an unsynchronised clock and tells how to turn NTP on', async () => {
    const result = await single(clockCheck(probe(false)), context());
    expect(result.status).toBe('fail');
    expect(result.fix).toContain('timedatectl set-ntp true');
  });

  it('trusts a clock nothing can tell about', async () => {
    expect(await single(clockCheck(probe(null)), context())).toEqual({
      status: 'ok',
      detail: 'cannot tell (no timesyncd/timedated); trusted',
    });
  });
});
