import { randomBytes } from 'node:crypto';
import { AccessToken, RoomAgentDispatch, RoomServiceClient, TrackSource } from 'livekit-server-sdk';
import type { SessionRequest } from './session-request.js';

/** What the browser gets back: enough to join one room, nothing more. */
export interface IssuedSession {
  /** The LiveKit URL as the browser must reach it. */
  url: string;
  token: string;
  room: string;
  identity: string;
  expiresAt: number;
}

export interface SessionIssuer {
  issue(req: SessionRequest, callerId: string): Promise<IssuedSession>;
}

export interface LiveKitIssuerOptions {
  /** LiveKit as this server reaches it (http(s) or ws(s)). */
  serverUrl: string;
  /** LiveKit as the browser reaches it; defaults to serverUrl. */
  publicUrl?: string;
  apiKey: string;
  apiSecret: string;
  agentName: string;
}

/**
 * Creates a fresh room, dispatches the agent into it, and mints a join token for that room only:
 * publish the microphone, subscribe, send data; no admin, no room list, no way to change one's own
 * attributes (they carry the caller id the agent keys memory by).
 */
export class LiveKitSessionIssuer implements SessionIssuer {
  readonly #rooms: RoomServiceClient;

  constructor(private readonly o: LiveKitIssuerOptions) {
    const http = o.serverUrl.replace(/^ws/, 'http');
    this.#rooms = new RoomServiceClient(http, o.apiKey, o.apiSecret);
  }

  async issue(req: SessionRequest, callerId: string): Promise<IssuedSession> {
    const room = `web-${randomBytes(6).toString('hex')}`;
    // The dispatch is part of the room's creation: one call, no room without its agent, and no
    // default dispatch to automatic-dispatch workers. emptyTimeout: a room nobody joins goes away.
    await this.#rooms.createRoom({
      name: room,
      emptyTimeout: 60,
      departureTimeout: 5,
      maxParticipants: 3,
      agents: [new RoomAgentDispatch({ agentName: this.o.agentName, metadata: JSON.stringify({ source: 'web' }) })],
    });
    const identity = `web-${randomBytes(5).toString('hex')}`;
    const at = new AccessToken(this.o.apiKey, this.o.apiSecret, {
      identity,
      name: req.displayName ?? undefined,
      ttl: req.ttlSeconds,
      attributes: { 'parley.user_id': `web:${callerId}` },
    });
    at.addGrant({
      room,
      roomJoin: true,
      canPublish: true,
      canPublishSources: [TrackSource.MICROPHONE],
      canSubscribe: true,
      canPublishData: true,
      canUpdateOwnMetadata: false,
    });
    return {
      url: (this.o.publicUrl ?? this.o.serverUrl).replace(/^http/, 'ws'),
      token: await at.toJwt(),
      room,
      identity,
      expiresAt: Date.now() + req.ttlSeconds * 1000,
    };
  }
}
