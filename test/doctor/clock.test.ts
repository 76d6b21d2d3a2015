import { describe, expect, it } from 'vitest';
import { clockCheck } from '../../src/doctor/clock.js';
import { context, results, single } from './helpers.js';

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

  it("compares the kiosk's clock with MOCO's as the MOCO check saw it, in status's words", async () => {
    const ctx = context();
    ctx.found.mocoClockOffsetMs = (3 * 60 + 2) * 60_000;
    expect(await results(clockCheck(probe(true)), ctx)).toEqual([
      { status: 'ok', detail: 'the system clock is synchronised' },
      {
        status: 'fail',
        detail: "kiosk clock 3 h 2 min behind MOCO's",
        fix: 'enable time sync (timedatectl set-ntp true)',
      },
    ]);
    ctx.found.mocoClockOffsetMs = 4_000;
    expect(await results(clockCheck(probe(null)), ctx)).toEqual([
      { status: 'ok', detail: 'cannot tell (no timesyncd/timedated); trusted' },
      { status: 'ok', detail: "kiosk clock agrees with MOCO's (within a minute)" },
    ]);
  });
});
