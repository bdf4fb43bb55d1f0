/**
 * PII rules: what a transcript or a remembered fact must not carry into logs or memory.
 * Pure and synchronous; run it through PiiRedactor (a worker thread) on the call's process, never on
 * the audio event loop.
 */
export type PiiKind = 'email' | 'card' | 'iban' | 'ssn' | 'phone' | 'ip' | 'address' | 'dob';

export interface Redaction {
  text: string;
  /** What was found, one entry per redacted span, in order. */
  found: PiiKind[];
}

interface Rule {
  kind: PiiKind;
  re: RegExp;
  /** Extra check on a candidate (checksums), so ordinary numbers are not redacted. */
  accept?: (match: string) => boolean;
}

const digits = (s: string) => s.replace(/\D/g, '');

/** Luhn checksum: card numbers pass it, most other long digit runs do not. */
export function luhnValid(num: string): boolean {
  const d = digits(num);
  if (d.length < 13 || d.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

/** IBAN mod-97 check (ISO 13616). */
export function ibanValid(raw: string): boolean {
  const s = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const c of v) rem = (rem * 10 + (c.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

const STREET = '(?:street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|drive|dr|court|ct|place|pl|way|terrace|close|crescent)';
const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

// Order matters: the most specific patterns claim their spans first.
const RULES: Rule[] = [
  { kind: 'email', re: /\b[\w.%+-]+@[\w-]+(?:\.[\w-]+)+\b/g },
  { kind: 'iban', re: /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b/gi, accept: ibanValid },
  { kind: 'card', re: /\b\d(?:[ -]?\d){12,18}\b/g, accept: luhnValid },
  { kind: 'ssn', re: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  {
    kind: 'dob',
    re: new RegExp(
      `\\b(?:born|birthday|date of birth|dob)\\b[^.\\d]{0,20}(?:\\d{1,4}[/.-]\\d{1,2}[/.-]\\d{1,4}|${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+\\d{4})`,
      'gi',
    ),
  },
  { kind: 'ip', re: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g },
  // phone: an optional +country code, then 9 to 15 digits in groups (a year or a price is shorter)
  {
    kind: 'phone',
    re: /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}\b/g,
    accept: (m) => digits(m).length >= 9 && digits(m).length <= 15,
  },
  { kind: 'address', re: new RegExp(`\\b\\d{1,5}\\s+(?:[A-Z][a-z]+\\s+){1,3}${STREET}\\b\\.?`, 'gi') },
];

/** Replaces every PII span with a typed placeholder, e.g. "[EMAIL]". */
export function redactPii(input: string): Redaction {
  const spans: Array<{ start: number; end: number; kind: PiiKind }> = [];
  const taken = (s: number, e: number) => spans.some((x) => s < x.end && e > x.start);
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    for (const m of input.matchAll(rule.re)) {
      const start = m.index!;
      const end = start + m[0].length;
      if (taken(start, end)) continue;
      if (rule.accept && !rule.accept(m[0])) continue;
      spans.push({ start, end, kind: rule.kind });
    }
  }
  if (!spans.length) return { text: input, found: [] };
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += `${input.slice(at, s.start)}[${s.kind.toUpperCase()}]`;
    at = s.end;
  }
  return { text: out + input.slice(at), found: spans.map((s) => s.kind) };
}
