import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { systemTimers } from '../../src/time/timers.js';
import { createWebMoco, MocoClockWatch } from '../../src/web/moco.js';
import { fakeClock, webFixture } from './helpers.js';

describe('MocoClockWatch', () => {
  it("reads MOCO's Date header against the kiosk's clock, and ignores what is not a date", () => {
    const clock = fakeClock(Date.parse('2026-11-18T08:30:00.500Z'));
    const watch = new MocoClockWatch(clock);
    watch.observe(undefined);
    watch.observe('not a date');
    expect(watch.last()).toBeNull();
    watch.observe('Wed, 18 Nov 2026 08:31:00 GMT');
    expect(watch.last()).toEqual({
      kioskAt: clock.now(),
      mocoAt: Date.parse('2026-11-18T08:31:00Z'),
      offsetMs: 59_500,
    });
  });
});

describe('the MOCO budget of the page', () => {
  let close = () => {};
  afterEach(() => close());

  it('grants web.mocoRequests per window, never waits, and refills after the window', () => {
    const clock = fakeClock();
    const config = parseConfig('moco: { domain: acme }\nweb: { mocoRequests: 3 }\n');
    const moco = createWebMoco({
      moco: config.moco,
      web: config.web,
      clock,
      timers: systemTimers,
      logger: createLogger('silent'),
    });
    close = () => moco.close();
    expect(moco.budget.take(2)).toBe(true);
    expect(moco.budget.take(2)).toBe(false);
    expect(moco.budget.take(1)).toBe(true);
    expect(moco.budget.available()).toBe(0);
    clock.advance(config.moco.rateLimit.perSeconds * 1000);
    expect(moco.budget.available()).toBe(3);
  });
});

describe("the page's MOCO log lines", () => {
  it("name their part once, as moco, and the page's own lines say web", async () => {
    const fixture = await webFixture({ logLevel: 'debug' });
    try {
      await fixture.agent().login();
      expect(fixture.log.withMsg('web login')).toEqual([expect.objectContaining({ part: 'web' })]);
      fixture.moco.probeClock();
      const line = await vi.waitFor(() => {
        const found = fixture.log.written.find((text) => text.includes('"msg":"moco request"'));
        expect(found).toBeDefined();
        return found as string;
      });
      expect(line.match(/"part":/g)).toEqual(['"part":']);
      expect(line).toContain('"part":"moco"');
    } finally {
      await fixture.close();
    }
  });
});
