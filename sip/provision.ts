// protocol types from livekit-server-sdk's own copy: a second @livekit/protocol version sits beside it
import {
  RoomAgentDispatch,
  RoomConfiguration,
  SIPDispatchRule,
  SIPDispatchRuleIndividual,
  type SipClient,
  type SIPDispatchRuleInfo,
  type SIPInboundTrunkInfo,
} from 'livekit-server-sdk';

/**
 * Phone callers' way in, as code: an inbound trunk (which numbers and which source addresses or
 * credentials may call) and a dispatch rule (one room per caller, with the agent dispatched into
 * it). Idempotent: trunk and rule are found by name and updated in place, so re-running changes
 * nothing but what differs.
 */
export interface SipProvisionOptions {
  /** The trunk's name (also the key for idempotency). */
  trunkName: string;
  /** Numbers callers dial (E.164), as the carrier sends them in the request URI / To header. */
  numbers: string[];
  /** Source addresses or CIDR ranges allowed to send calls (e.g. Twilio's signalling ranges). */
  allowedAddresses?: string[];
  /** Digest credentials the caller must answer with; both or neither. */
  auth?: { username: string; password: string };
  ruleName: string;
  /** Room name prefix for the individual room per caller. */
  roomPrefix: string;
  agentName: string;
}

export interface SipProvisionResult {
  trunkId: string;
  ruleId: string;
  created: { trunk: boolean; rule: boolean };
}

export function validate(o: SipProvisionOptions): void {
  if (o.numbers.length === 0) throw new Error('at least one trunk number is needed');
  for (const n of o.numbers) if (!/^\+?[0-9]{3,20}$/.test(n)) throw new Error(`not a phone number: "${n}"`);
  for (const a of o.allowedAddresses ?? []) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a)) throw new Error(`not an address or CIDR range: "${a}"`);
  }
  if (o.auth && (!o.auth.username || !o.auth.password)) throw new Error('digest auth needs both username and password');
  if (!o.allowedAddresses?.length && !o.auth) {
    // an open trunk answers anyone on the internet who guesses the number
    throw new Error('refusing an open trunk: give allowed addresses, digest credentials, or both');
  }
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(o.roomPrefix)) throw new Error(`bad room prefix "${o.roomPrefix}"`);
}

export async function provisionSip(client: SipClient, o: SipProvisionOptions): Promise<SipProvisionResult> {
  validate(o);
  const trunk = await upsertTrunk(client, o);
  const rule = await upsertRule(client, o, trunk.info.sipTrunkId);
  return { trunkId: trunk.info.sipTrunkId, ruleId: rule.info.sipDispatchRuleId, created: { trunk: trunk.created, rule: rule.created } };
}

async function upsertTrunk(client: SipClient, o: SipProvisionOptions): Promise<{ info: SIPInboundTrunkInfo; created: boolean }> {
  const existing = (await client.listSipInboundTrunk()).find((t) => t.name === o.trunkName);
  if (!existing) {
    const info = await client.createSipInboundTrunk(o.trunkName, o.numbers, {
      allowedAddresses: o.allowedAddresses,
      authUsername: o.auth?.username,
      authPassword: o.auth?.password,
    });
    return { info, created: true };
  }
  existing.numbers = o.numbers;
  existing.allowedAddresses = o.allowedAddresses ?? [];
  existing.authUsername = o.auth?.username ?? '';
  existing.authPassword = o.auth?.password ?? '';
  return { info: await client.updateSipInboundTrunk(existing.sipTrunkId, existing), created: false };
}

async function upsertRule(
  client: SipClient,
  o: SipProvisionOptions,
  trunkId: string,
): Promise<{ info: SIPDispatchRuleInfo; created: boolean }> {
  const roomConfig = new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName: o.agentName })] });
  const existing = (await client.listSipDispatchRule()).find((r) => r.name === o.ruleName);
  if (!existing) {
    const info = await client.createSipDispatchRule(
      { type: 'individual', roomPrefix: o.roomPrefix },
      { name: o.ruleName, trunkIds: [trunkId], roomConfig },
    );
    return { info, created: true };
  }
  // replaced whole, in place: the id stays what the operator already knows
  existing.rule = new SIPDispatchRule({
    rule: { case: 'dispatchRuleIndividual', value: new SIPDispatchRuleIndividual({ roomPrefix: o.roomPrefix }) },
  });
  existing.trunkIds = [trunkId];
  existing.roomConfig = roomConfig;
  return { info: await client.updateSipDispatchRule(existing.sipDispatchRuleId, existing), created: false };
}
