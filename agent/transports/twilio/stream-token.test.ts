import { describe, expect, it } from 'vitest';
import { StreamTickets } from './stream-token.js';

describe('StreamTickets', () => {
  const sid = `CA${'1'.repeat(32)}`;
  it('admits its own call before expiry, and nothing else', () => {
    let now = 1_800_000_000_000;
    const tickets = new StreamTickets('token-aaaaaaaaaaaaaaaa', 30_000, () => now);
    const t = tickets.issue(sid);
    expect(tickets.refuse(sid, t)).toBeNull();
    expect(tickets.refuse(`CA${'2'.repeat(32)}`, t)).toBe('ticket not issued for this call');
    expect(tickets.refuse(sid, undefined)).toBe('no ticket');
    expect(tickets.refuse(sid, 'x.y')).toBe('malformed ticket');
    // another deployment's token
    expect(new StreamTickets('token-bbbbbbbbbbbbbbbb', 30_000, () => now).refuse(sid, t)).toBe('ticket not issued for this call');
    // the expiry is covered by the MAC: moving it forward breaks the ticket
    const [exp, mac] = t.split('.');
    expect(tickets.refuse(sid, `${Number(exp) + 60_000}.${mac}`)).toBe('ticket not issued for this call');
    now += 30_001;
    expect(tickets.refuse(sid, t)).toBe('ticket expired');
  });
});
