import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/web/password.js';
import { LOGIN_ATTEMPTS_PER_MINUTE, SESSION_COOKIE } from '../../src/web/server.js';
import { csrfOf, textOf, type WebFixture, webFixture } from './helpers.js';

let web: WebFixture;
beforeEach(async () => {
  web = await webFixture();
});
afterEach(() => web.close());

describe('logging in', () => {
  it('sends every page to the login until the admin logs in', async () => {
    const agent = web.agent();
    for (const url of ['/status', '/badges', '/today', '/badges/enrol']) {
      const response = await agent.get(url);
      expect(response.statusCode, url).toBe(303);
      expect(response.headers.location, url).toBe('/login');
    }
  });

  it('opens a session in a signed, HTTP-only, same-site cookie with the right password', async () => {
    const agent = web.agent();
    const response = await agent.login();
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/status');
    const cookie = (
      response.cookies as { name: string; httpOnly?: boolean; sameSite?: string; value: string }[]
    ).find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // Signed: the id, a dot, and the signature.
    expect(cookie?.value).toMatch(/^[\w-]{40,}\.[\w+/=-]+$/);
    expect((await agent.get('/status')).statusCode).toBe(200);
    expect(web.log.lines).toContainEqual(expect.objectContaining({ msg: 'web login' }));
  });

  it('refuses a wrong password, opens no session, and logs the refusal', async () => {
    const agent = web.agent();
    const response = await agent.login('not the password');
    expect(response.statusCode).toBe(401);
    expect(textOf(response.body)).toContain('Wrong password.');
    expect(agent.cookies.has(SESSION_COOKIE)).toBe(false);
    expect((await agent.get('/status')).headers.location).toBe('/login');
    expect(web.log.lines).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'web login refused: wrong password' }),
    );
  });

  it('refuses a login form without its CSRF token, even with the right password', async () => {
    const agent = web.agent();
    await agent.get('/login');
    const response = await agent.post('/login', { password: 'correct horse battery' });
    expect(response.statusCode).toBe(403);
    expect(textOf(response.body)).toContain('Form refused');
    expect(agent.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("refuses a token taken from another browser's page (no matching CSRF cookie)", async () => {
    const stolen = csrfOf((await web.agent().get('/login')).body);
    const agent = web.agent();
    const response = await agent.post('/login', { _csrf: stolen, password: 'correct horse battery' });
    expect(response.statusCode).toBe(403);
  });

  it(`allows ${LOGIN_ATTEMPTS_PER_MINUTE} attempts a minute from one address, then refuses even the right password`, async () => {
    const agent = web.agent();
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_MINUTE; i += 1) {
      expect((await agent.login('guess')).statusCode).toBe(401);
    }
    const blocked = await agent.login();
    expect(blocked.statusCode).toBe(429);
    expect(textOf(blocked.body)).toContain('Too many logins were tried from here');
    expect(agent.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it('says how to set a password when none is set', async () => {
    web.stores.db.prepare("DELETE FROM meta WHERE key = 'web_password'").run();
    const response = await web.agent().login();
    expect(response.statusCode).toBe(503);
    expect(textOf(response.body)).toContain('sudo moco-timeclock web passwd');
  });
});

describe('a session', () => {
  it('ends at logout: the old cookie opens nothing any more', async () => {
    const agent = web.agent();
    await agent.login();
    const cookie = agent.cookies.get(SESSION_COOKIE) as string;
    const out = await agent.submit('/status', '/logout');
    expect(out.headers.location).toBe('/login?bye=1');
    expect(textOf((await agent.get('/login?bye=1')).body)).toContain('You are logged out.');

    const replay = web.agent();
    replay.cookies.set(SESSION_COOKIE, cookie);
    expect((await replay.get('/status')).headers.location).toBe('/login');
  });

  it('ends when a new password is set', async () => {
    const agent = web.agent();
    await agent.login();
    web.passwords.set(await hashPassword('another long password'));
    expect((await agent.get('/status')).headers.location).toBe('/login');
  });

  it('ends after web.sessionHours', async () => {
    const agent = web.agent();
    await agent.login();
    web.clock.advance(12 * 3_600_000 - 1000);
    expect((await agent.get('/status')).statusCode).toBe(200);
    web.clock.advance(1000);
    expect((await agent.get('/status')).headers.location).toBe('/login');
  });

  it('is not opened by a cookie whose signature does not match', async () => {
    const agent = web.agent();
    await agent.login();
    const [id] = (agent.cookies.get(SESSION_COOKIE) as string).split('.');
    agent.cookies.set(SESSION_COOKIE, `${id}.forged`);
    expect((await agent.get('/status')).headers.location).toBe('/login');
  });

  it('refuses a form without the CSRF token when logged in, and changes nothing', async () => {
    const agent = web.agent();
    await agent.login();
    const response = await agent.post('/logout', {});
    expect(response.statusCode).toBe(403);
    expect((await agent.get('/status')).statusCode).toBe(200);
    expect(web.log.lines).toContainEqual(
      expect.objectContaining({ msg: 'web form refused: CSRF token missing or wrong' }),
    );
  });
});

describe('every page', () => {
  it('carries security headers that keep it out of frames and scripts from elsewhere', async () => {
    const agent = web.agent();
    await agent.login();
    const response = await agent.get('/status');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('fits a phone: a viewport, and the stylesheet and script without login', async () => {
    const agent = web.agent();
    expect((await agent.get('/login')).body).toContain(
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
    );
    expect((await agent.get('/assets/style.css')).statusCode).toBe(200);
    expect((await agent.get('/assets/app.js')).headers['content-type']).toContain('javascript');
  });
});
