import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A stable, server-issued caller id kept in an HttpOnly cookie, signed so a browser cannot pick
 * someone else's id (the id keys the caller's memory in Redis). Without a valid cookie a new id is
 * minted; clearing cookies is a fresh start.
 */
export const COOKIE = 'parley_uid';
const ID = /^[a-f0-9]{24}$/;

export class CallerIds {
  constructor(private readonly secret: string) {}

  /** The id in a valid cookie header, or null. */
  read(cookieHeader: string | undefined): string | null {
    if (!cookieHeader) return null;
    for (const part of cookieHeader.split(';')) {
      const [name, value] = part.trim().split('=', 2);
      if (name !== COOKIE || !value) continue;
      const [id, sig] = value.split('.', 2);
      if (!id || !sig || !ID.test(id)) return null;
      const want = Buffer.from(this.#sign(id));
      const got = Buffer.from(sig);
      return got.length === want.length && timingSafeEqual(got, want) ? id : null;
    }
    return null;
  }

  mint(): string {
    return randomBytes(12).toString('hex');
  }

  /** Set-Cookie value for `id`: HttpOnly, SameSite=Strict, a year; Secure when served over TLS. */
  cookie(id: string, secure: boolean): string {
    return `${COOKIE}=${id}.${this.#sign(id)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000${secure ? '; Secure' : ''}`;
  }

  #sign(id: string): string {
    return createHmac('sha256', this.secret).update(`parley-uid:${id}`).digest('base64url');
  }
}
