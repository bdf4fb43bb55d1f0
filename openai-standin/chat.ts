import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A chat-completions request as the peer reads it. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters?: unknown } }>;
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** What the scripted model answers: text, or tool calls (arguments sent as-is). */
export type ChatReply =
  | { content: string }
  | { toolCalls: Array<{ name: string; arguments: string }> }
  | { error: { status: number; message: string } };

export interface ChatScript {
  /** Time to the answer (ms): a number, or per request. Default 120. */
  latencyMs?: number | ((req: ChatRequest) => number);
  /** The model's answer to a request. Default: a short text that names the question. */
  respond?: (req: ChatRequest, n: number) => ChatReply;
}

/** One request as observed, for tests: what was asked and whether the client gave up on it. */
export interface ObservedChat {
  at: number;
  request: ChatRequest;
  status: 'answered' | 'aborted' | 'rejected';
}

const id = (p: string) => `${p}${randomBytes(12).toString('base64url')}`;
const MAX_BODY = 1 << 20;
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/**
 * The local stand-in for OpenAI's chat-completions endpoint (thinkers, in tests and without a key):
 * the same request validation and error shapes for what thinkers use (messages, tools, tool results),
 * scripted answers and latency, and a record of what was asked.
 */
export function createChatEndpoint(initial: ChatScript = {}) {
  let script = initial;
  let n = 0;
  const seen: ObservedChat[] = [];

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const fail = (status: number, message: string, type = 'invalid_request_error', param: string | null = null) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message, type, param, code: null } }));
    };
    if (req.method !== 'POST') return fail(405, `Method ${req.method} not allowed`);
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      return fail(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return fail(413, 'Request body too large');
      let body: ChatRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
      } catch {
        return fail(400, 'We could not parse the JSON body of your request.');
      }
      const invalid = validate(body);
      if (invalid) {
        seen.push({ at: Date.now(), request: body, status: 'rejected' });
        return fail(400, invalid.message, 'invalid_request_error', invalid.param);
      }
      const observed: ObservedChat = { at: Date.now(), request: body, status: 'answered' };
      seen.push(observed);
      const reply = (script.respond ?? defaultReply)(body, n++);
      const latency = typeof script.latencyMs === 'function' ? script.latencyMs(body) : (script.latencyMs ?? 120);
      const timer = setTimeout(() => {
        if ('error' in reply)
          return fail(reply.error.status, reply.error.message, reply.error.status >= 500 ? 'server_error' : 'invalid_request_error');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completion(body.model, reply)));
      }, latency);
      // the client gave up (timeout, hang-up): a real server stops generating too
      res.on('close', () => {
        if (!res.writableEnded) {
          clearTimeout(timer);
          observed.status = 'aborted';
        }
      });
    });
  };

  return {
    handler,
    setScript: (s: ChatScript) => {
      script = s;
      n = 0;
    },
    requests: (): ObservedChat[] => seen.slice(),
  };
}

function validate(b: ChatRequest): { message: string; param: string } | null {
  if (typeof b?.model !== 'string' || !b.model) return { message: 'you must provide a model parameter', param: 'model' };
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return { message: "Invalid 'messages': empty array. Expected an array with minimum length 1.", param: 'messages' };
  const open = new Set<string>();
  for (const [i, m] of b.messages.entries()) {
    if (!m || !ROLES.has(m.role))
      return {
        message: `Invalid value: '${String(m?.role)}'. Supported values are: 'system', 'assistant', 'user', 'tool', and 'developer'.`,
        param: `messages[${i}].role`,
      };
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) open.add(c.id);
    if (m.role === 'tool') {
      if (!m.tool_call_id || !open.has(m.tool_call_id)) {
        return {
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${i}].role`,
        };
      }
      open.delete(m.tool_call_id);
    }
  }
  if (open.size) {
    return {
      message: "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'.",
      param: 'messages',
    };
  }
  for (const t of b.tools ?? []) {
    if (t?.type !== 'function' || !/^[a-zA-Z0-9_-]{1,64}$/.test(t.function?.name ?? ''))
      return { message: "Invalid 'tools': each tool needs type 'function' and a valid name.", param: 'tools' };
  }
  return null;
}

function defaultReply(req: ChatRequest): ChatReply {
  const user = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const tool = [...req.messages].reverse().find((m) => m.role === 'tool')?.content;
  return {
    content: tool
      ? `Here is what I found: ${String(tool).slice(0, 200)}`
      : `I looked into "${String(user).slice(0, 120)}" and have a short answer.`,
  };
}

function completion(model: string, reply: Exclude<ChatReply, { error: unknown }>) {
  const message =
    'content' in reply
      ? { role: 'assistant', content: reply.content, refusal: null }
      : {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: reply.toolCalls.map((t) => ({
            id: id('call_'),
            type: 'function',
            function: { name: t.name, arguments: t.arguments },
          })),
        };
  return {
    id: id('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: 'content' in reply ? 'stop' : 'tool_calls' }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}
