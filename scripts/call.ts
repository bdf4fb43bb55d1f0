import { randomBytes } from 'node:crypto';
import { AccessToken, AgentDispatchClient } from 'livekit-server-sdk';
import { loadConfig } from '../agent/config/config.js';

/**
 * `npm run call [-- room]`: dispatches the agent into a room and prints a short-lived join token
 * for it, and a LiveKit Meet link that joins with it (any LiveKit client works with url + token).
 */
const cfg = loadConfig();
const room = process.argv[2] ?? `parley-${randomBytes(4).toString('hex')}`;
if (!/^[a-zA-Z0-9_-]{1,64}$/.test(room)) throw new Error(`bad room name "${room}"`);
const http = cfg.livekit.url.replace(/^ws/, 'http');
const dispatch = await new AgentDispatchClient(http, cfg.livekit.apiKey, cfg.livekit.apiSecret).createDispatch(room, cfg.agentName);
const at = new AccessToken(cfg.livekit.apiKey, cfg.livekit.apiSecret, { identity: `caller-${randomBytes(3).toString('hex')}`, ttl: '15m' });
at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
const token = await at.toJwt();
console.log(`agent "${cfg.agentName}" dispatched into room ${room} (dispatch ${dispatch.id})`);
console.log(`LiveKit URL: ${cfg.livekit.url}`);
console.log(`token (15 min, this room only): ${token}`);
console.log(`open: https://meet.livekit.io/custom?liveKitUrl=${encodeURIComponent(cfg.livekit.url)}&token=${token}`);
