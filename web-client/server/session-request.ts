/**
 * What a browser may ask of the token server, and nothing more. The server picks the room and the
 * identity itself; the browser may only name itself for display and ask for a shorter token.
 */
export interface SessionRequest {
  /** Shown to the agent's logs and other participants; never used as an identity. */
  displayName: string | null;
  ttlSeconds: number;
}

export interface TokenPolicy {
  defaultTtlSeconds: number;
  /** Longest token the server will mint; a request above it is refused, not silently shortened. */
  maxTtlSeconds: number;
}

export const DEFAULT_POLICY: TokenPolicy = { defaultTtlSeconds: 300, maxTtlSeconds: 600 };

/** Upper bound for a request body; anything larger is refused before it is parsed. */
export const MAX_BODY_BYTES = 2048;

/** Letters, digits, space and a little punctuation, 1 to 48 characters, in any script. */
const DISPLAY_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._'-]{0,47}$/u;

export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Validates a parsed JSON body; throws RequestError with the status to send. */
export function parseSessionRequest(body: unknown, policy: TokenPolicy = DEFAULT_POLICY): SessionRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestError(400, 'bad_body', 'the body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (key === 'room' || key === 'identity') {
      // Joining a room by name would let one browser walk into another caller's call.
      throw new RequestError(403, 'forbidden_field', `"${key}" is chosen by the server, not the client`);
    }
    if (key !== 'displayName' && key !== 'ttlSeconds') throw new RequestError(400, 'unknown_field', `unknown field "${key}"`);
  }
  let displayName: string | null = null;
  if (b.displayName !== undefined) {
    if (typeof b.displayName !== 'string' || !DISPLAY_NAME.test(b.displayName.normalize('NFC'))) {
      throw new RequestError(400, 'bad_display_name', "displayName: 1-48 letters, digits, spaces or ._'-");
    }
    displayName = b.displayName.normalize('NFC');
  }
  let ttlSeconds = policy.defaultTtlSeconds;
  if (b.ttlSeconds !== undefined) {
    if (typeof b.ttlSeconds !== 'number' || !Number.isInteger(b.ttlSeconds) || b.ttlSeconds < 30) {
      throw new RequestError(400, 'bad_ttl', 'ttlSeconds must be an integer of at least 30');
    }
    if (b.ttlSeconds > policy.maxTtlSeconds) {
      throw new RequestError(400, 'ttl_too_long', `ttlSeconds may be at most ${policy.maxTtlSeconds}`);
    }
    ttlSeconds = b.ttlSeconds;
  }
  return { displayName, ttlSeconds };
}
