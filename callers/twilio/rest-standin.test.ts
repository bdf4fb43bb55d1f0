import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TwilioRestStandin } from './rest-standin.js';

const ACCOUNT = `AC${'b'.repeat(32)}`;
const TOKEN = 'rest-token';
const CALL = `CA${'c'.repeat(32)}`;
const PATH = `/2010-04-01/Accounts/${ACCOUNT}/Calls/${CALL}.json`;

let rest: TwilioRestStandin;
let ends: string[];
beforeEach(async () => {
  rest = new TwilioRestStandin({ accountSid: ACCOUNT, authToken: TOKEN });
  await rest.listen();
  ends = [];
  rest.register({ accountSid: ACCOUNT, callSid: CALL, from: '+15550100', to: '+15550111' }, (reason, callGoesOn) =>
    ends.push(`${reason}${callGoesOn ? ' (call goes on)' : ''}`),
  );
});
afterEach(() => rest.close());

function post(path: string, params: Record<string, string>, auth: string | null = `${ACCOUNT}:${TOKEN}`) {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (auth) headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  return fetch(rest.baseUrl + path, { method: 'POST', headers, body: new URLSearchParams(params) });
}

describe('TwilioRestStandin', () => {
  it('answers 401 with code 20003 for a wrong token, another account or no auth, and ends nothing', async () => {
    for (const auth of [`${ACCOUNT}:wrong`, `AC${'d'.repeat(32)}:${TOKEN}`, null]) {
      const res = await post(PATH, { Status: 'completed' }, auth);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });
    }
    expect(ends).toEqual([]);
    expect(rest.calls.get(CALL)!.status).toBe('in-progress');
    expect(rest.requests.map((r) => [r.authUser, r.status])).toEqual([
      [ACCOUNT, 401],
      [`AC${'d'.repeat(32)}`, 401],
      [null, 401],
    ]);
  });

  it('answers 404 with code 20404 for a call it does not know', async () => {
    const path = `/2010-04-01/Accounts/${ACCOUNT}/Calls/CA${'0'.repeat(32)}.json`;
    const res = await post(path, { Status: 'completed' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 20404, status: 404, message: `The requested resource ${path} was not found` });
  });

  it.each([
    [{ Status: 'busy' }, /Status must be canceled or completed/],
    [{}, /Nothing to update/],
    [{ Sattus: 'completed' }, /Unknown parameters: Sattus/],
    [{ Twiml: '<Response><Dial>' }, /not closed/],
    [{ Url: 'not-a-url' }, /absolute http/],
  ])('answers 400 for the bad body %j', async (params, message) => {
    const res = await post(PATH, params as Record<string, string>);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(message);
    expect(ends).toEqual([]);
  });

  it('serves the twilio library at client.api.baseUrl: update completed ends the stream, and the request is recorded exactly', async () => {
    const client = twilio(ACCOUNT, TOKEN);
    client.api.baseUrl = rest.baseUrl;
    const call = await client.calls(CALL).update({ status: 'completed' });
    expect(call).toMatchObject({
      sid: CALL,
      accountSid: ACCOUNT,
      status: 'completed',
      from: '+15550100',
      to: '+15550111',
      direction: 'inbound',
    });
    expect(ends).toEqual(['call completed via the REST API']);
    expect(rest.requests).toEqual([
      { at: expect.any(Number), method: 'POST', path: PATH, authUser: ACCOUNT, params: { Status: 'completed' }, status: 200 },
    ]);
    // a fetch goes to the same resource
    expect((await client.calls(CALL).fetch()).status).toBe('completed');
  });

  it('the library sees its errors as Twilio gives them', async () => {
    const client = twilio(ACCOUNT, 'not-the-token');
    client.api.baseUrl = rest.baseUrl;
    await expect(client.calls(CALL).update({ status: 'completed' })).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it('canceled leaves a call in progress alone; a redirect by Url ends the stream and records where', async () => {
    expect((await post(PATH, { Status: 'canceled' })).status).toBe(200);
    expect(ends).toEqual([]);
    const res = await post(PATH, { Url: 'https://agent.example.com/next', Method: 'POST' });
    expect(res.status).toBe(200);
    expect(ends).toEqual(['call redirected to https://agent.example.com/next (call goes on)']);
    expect(rest.calls.get(CALL)).toMatchObject({ status: 'in-progress', redirects: ['https://agent.example.com/next'] });
  });

  it('a completed call cannot be redirected', async () => {
    rest.ended(CALL);
    const res = await post(PATH, { Twiml: '<Response><Dial>+15550199</Dial></Response>' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 21220 });
    expect(rest.calls.get(CALL)!.dialed).toBeNull();
  });
});
