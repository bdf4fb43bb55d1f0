import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, redactPii } from './pii.js';
import { PiiRedactor } from './redactor.js';

describe('redactPii', () => {
  it.each([
    ['Mail me at jane.doe+calls@example.co.uk please', 'Mail me at [EMAIL] please', ['email']],
    ['My card is 4111 1111 1111 1111.', 'My card is [CARD].', ['card']],
    ['Call me on +44 20 7946 0958 tomorrow', 'Call me on [PHONE] tomorrow', ['phone']],
    ['my number is (415) 555-2671', 'my number is [PHONE]', ['phone']],
    ['SSN 123-45-6789', 'SSN [SSN]', ['ssn']],
    ['IBAN GB82 WEST 1234 5698 7654 32 thanks', 'IBAN [IBAN] thanks', ['iban']],
    ['I live at 221 Baker Street in London', 'I live at [ADDRESS] in London', ['address']],
    ['I was born on March 3rd, 1985.', 'I was [DOB].', ['dob']],
    ['server at 192.168.10.254 is down', 'server at [IP] is down', ['ip']],
  ])('redacts %s', (input, text, found) => {
    expect(redactPii(input)).toEqual({ text, found });
  });

  it('leaves ordinary numbers alone: years, prices, times, temperatures, tickers', () => {
    const s = 'In 2024 AAPL closed at 189.25 dollars; it is 21 degrees at 10:30, order 12345.';
    expect(redactPii(s)).toEqual({ text: s, found: [] });
  });

  it('does not take a long non-Luhn digit run for a card', () => {
    expect(luhnValid('4111 1111 1111 1112')).toBe(false);
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
  });

  it('redacts several kinds in one text, in order', () => {
    const r = redactPii('I am at bob@x.io, or 415-555-2671; card 5500 0000 0000 0004.');
    expect(r.found).toEqual(['email', 'phone', 'card']);
    expect(r.text).toBe('I am at [EMAIL], or [PHONE]; card [CARD].');
  });
});

describe('PiiRedactor (worker thread)', () => {
  it('gives the same answers as the rules, off the calling thread, for many texts at once', async () => {
    const r = new PiiRedactor();
    const texts = Array.from({ length: 50 }, (_, i) => `caller ${i} wrote to user${i}@mail.test from 10.0.0.${i}`);
    const out = await Promise.all(texts.map((t) => r.redact(t)));
    expect(out).toEqual(texts.map((t) => redactPii(t)));
    expect(r.fallbacks).toBe(0); // they really went through the thread
    await r.close();
  });

  it('loses no text when closed with scans pending', async () => {
    const r = new PiiRedactor();
    const p = r.redact('reach me at a@b.co');
    await r.close();
    expect((await p).text).toBe('reach me at [EMAIL]');
  });
});
