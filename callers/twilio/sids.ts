import { randomBytes } from 'node:crypto';

/** A Twilio SID: a two-letter prefix (CA call, MZ stream, AC account) and 32 hex digits. */
export function newSid(prefix: 'CA' | 'MZ' | 'AC'): string {
  return prefix + randomBytes(16).toString('hex');
}

export const SID_PATTERN = { CA: /^CA[0-9a-f]{32}$/i, MZ: /^MZ[0-9a-f]{32}$/i, AC: /^AC[0-9a-f]{32}$/i } as const;
