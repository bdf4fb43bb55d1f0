import { z } from 'zod';

/**
 * Every environment name the project reads, each with its type, range and meaning: the one list a
 * deployment is checked against. Values arrive as strings; each schema turns one into its typed
 * value or says, in words, what was wrong. Defaults live where the sections are assembled
 * (config.ts), because some depend on others (no OpenAI key → the local stand-in's URL).
 */

const WHOLE = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

const range = (min: number, max: number) => (max === Infinity ? `${min} or more` : `from ${min} to ${max}`);

/** A whole number in [min, max]: "0.95" is refused, not truncated. */
export const int = (min: number, max = Infinity) =>
  z
    .string()
    .trim()
    .regex(WHOLE, `must be a whole number ${range(min, max)}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `must be ${range(min, max)}`)
        .max(max, `must be ${range(min, max)}`),
    )
    .describe(`whole number ${range(min, max)}`);

/** A decimal number in [min, max] (exclusive of min when `above`). */
export const decimal = (min: number, max = Infinity, opts: { above?: boolean } = {}) => {
  const words = opts.above ? (max === Infinity ? `above ${min}` : `above ${min} and at most ${max}`) : range(min, max);
  return z
    .string()
    .trim()
    .regex(DECIMAL, `must be a number ${words}`)
    .transform(Number)
    .pipe(z.number().refine((v) => (opts.above ? v > min : v >= min) && v <= max, `must be ${words}`))
    .describe(`number ${words}`);
};

export const text = z.string().min(1, 'must not be empty').describe('text');

/** Text that may be empty (an empty key means "none"). */
export const optionalText = z.string().describe('text, may be empty');

/** An absolute URL with one of `protocols` (e.g. 'ws:', 'wss:'). */
export const url = (...protocols: string[]) =>
  z
    .string()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting ${protocols.map((p) => `${p}//`).join(' or ')}`,
    )
    .describe(`URL (${protocols.map((p) => `${p}//`).join(', ')})`);

export const flag = z
  .enum(['0', '1'], { errorMap: () => ({ message: 'must be 0 or 1' }) })
  .transform((v) => v === '1')
  .describe('0 or 1');

export const oneOf = <const T extends readonly [string, ...string[]]>(...values: T) =>
  z.enum(values, { errorMap: () => ({ message: `must be one of ${values.join(', ')}` }) }).describe(values.join(', '));

export interface Setting<T extends z.ZodTypeAny = z.ZodTypeAny> {
  schema: T;
  /** What the value may be, in words (from the schema). */
  value: string;
  doc: string;
}
const s = <T extends z.ZodTypeAny>(schema: T, doc: string): Setting<T> => ({ schema, doc, value: schema.description ?? 'text' });

/** The worker and its calls. */
export const WORKER_SETTINGS = {
  TWILIO_ACCOUNT_SID: s(
    z
      .string()
      .trim()
      .regex(/^AC[0-9a-f]{32}$/, 'must be AC followed by 32 hex digits')
      .describe('AC + 32 hex digits'),
    'Twilio account the Media Streams gateway serves (default: a development account, loopback only)',
  ),
  TWILIO_AUTH_TOKEN: s(
    z.string().trim().min(16, 'must be at least 16 characters').describe('text of 16 characters or more'),
    'Twilio auth token: checks X-Twilio-Signature, authenticates REST calls (default: a development token, loopback only)',
  ),
  PARLEY_TWILIO_HOST: s(text, 'address the Twilio gateway (voice webhook and media stream) listens on'),
  PARLEY_TWILIO_PORT: s(int(0, 65_535), 'port of the Twilio gateway'),
  PARLEY_TWILIO_PUBLIC_URL: s(
    url('http:', 'https:'),
    'the gateway as Twilio reaches it (signatures are over this URL; the stream URL is derived from it), e.g. https://voice.example.com',
  ),
  PARLEY_TWILIO_API_URL: s(url('http:', 'https:'), "Twilio's REST API base URL (default https://api.twilio.com)"),
  PARLEY_TWILIO_IDLE_PROCESSES: s(int(0, 100), 'call processes the Twilio gateway keeps warm'),
  OPENAI_API_KEY: s(optionalText, 'OpenAI key; unset or empty: the local Realtime stand-in answers'),
  OPENAI_BASE_URL: s(url('http:', 'https:'), 'Realtime API base URL (default OpenAI, or the stand-in without a key)'),
  LIVEKIT_URL: s(url('ws:', 'wss:', 'http:', 'https:'), 'livekit-server the worker registers with'),
  LIVEKIT_API_KEY: s(text, 'LiveKit API key (default: the local dev key)'),
  LIVEKIT_API_SECRET: s(text, 'LiveKit API secret (default: the local dev secret)'),
  REDIS_URL: s(url('redis:', 'rediss:'), 'Redis for user context, caches and the turn/call streams'),
  LOG_LEVEL: s(oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'pino log level'),
  TEN_VAD_MODEL: s(text, 'path of the TEN VAD ONNX model (default models/ten-vad.onnx)'),
  FINNHUB_API_KEY: s(optionalText, 'stocks provider key'),
  NEWSAPI_KEY: s(optionalText, 'news provider key'),
  PARLEY_AGENT_NAME: s(text, 'agent name for explicit dispatch'),
  PARLEY_PEER_URL: s(url('http:', 'https:'), 'base URL of the local Realtime stand-in when there is no OpenAI key'),
  PARLEY_REALTIME_MODEL: s(text, 'Realtime model'),
  PARLEY_VOICE: s(text, 'Realtime voice'),
  PARLEY_INSTRUCTIONS: s(text, "the Responder's base instructions"),
  PARLEY_VAD_MODE: s(oneOf('local', 'server_vad', 'semantic_vad'), 'who ends a turn: our TEN VAD gate, or the server'),
  PARLEY_VAD_THRESHOLD: s(decimal(0, 1, { above: true }), 'gate: speech probability threshold'),
  PARLEY_VAD_MIN_SPEECH_MS: s(int(0, 5_000), 'gate: voiced time before an onset counts'),
  PARLEY_VAD_HANGOVER_MS: s(int(10, 10_000), 'gate: unvoiced time before speech end'),
  PARLEY_VAD_PREROLL_MS: s(int(0, 2_000), 'gate: audio kept from before the onset'),
  PARLEY_VAD_SILENCE_BELOW_PEAK_DB: s(decimal(0, 120), 'gate: a hop this far below the utterance peak is silence (0: off)'),
  PARLEY_VAD_NOISE_FLOOR_RMS: s(decimal(0, 1_000), "RMS (LSB) of the noise floor under the model's input (0: off)"),
  PARLEY_VAD_THREAD: s(
    flag,
    "1: TEN VAD runs on a thread of the job, off the call's event loop (default 0: on the loop; see docs/deployment.md)",
  ),
  PARLEY_SERVER_VAD_THRESHOLD: s(decimal(0, 1), 'server_vad mode: the server VAD threshold'),
  PARLEY_SERVER_VAD_PREFIX_MS: s(int(0, 5_000), 'server_vad mode: prefix_padding_ms'),
  PARLEY_SERVER_VAD_SILENCE_MS: s(int(0, 10_000), 'server_vad mode: silence_duration_ms'),
  PARLEY_SEMANTIC_VAD_EAGERNESS: s(oneOf('low', 'medium', 'high', 'auto'), 'semantic_vad mode: eagerness'),
  PARLEY_TRANSCRIPTION_MODEL: s(text, "model transcribing the caller's audio"),
  PARLEY_REALTIME_RENEW_MS: s(int(5_000, 3_300_000), 'a Realtime session is renewed after this long (the API ends one at 60 minutes)'),
  PARLEY_RESPONSE_WAIT_MS: s(int(100, 120_000), 'max wait of a response.create for the active response'),
  PARLEY_IDLE_NUDGE_MS: s(int(0), 'silence before one check-in (0: off)'),
  PARLEY_IDLE_GOODBYE_MS: s(int(0), 'silence before goodbye and hang-up (0: off)'),
  PARLEY_MAX_JOBS: s(int(1, 1_000), 'calls one worker takes at most'),
  PARLEY_IDLE_PROCESSES: s(int(0, 100), 'job processes kept warm'),
  PARLEY_WORKER_PORT: s(int(0, 65_535), 'worker health port (0: a free one)'),
  PARLEY_GREETING_SIP: s(text, "what the agent says first to a phone caller ('none': it waits for the caller)"),
  PARLEY_GREETING_WEBRTC: s(text, "what the agent says first to a browser caller ('none', the default: it waits for the caller)"),
  PARLEY_GREETING_TWILIO: s(text, "what the agent says first to a caller on Twilio Media Streams ('none': it waits for the caller)"),
  PARLEY_TRANSFER_TO: s(
    z
      .string()
      .trim()
      .regex(
        /^(\+[1-9]\d{6,14}|sip:[^\s@]+@[^\s]+|tel:\+[1-9]\d{6,14}|none)$/,
        "must be an E.164 number (+15550100), a sip: or tel: URI, or 'none'",
      )
      .describe("E.164 number, sip:/tel: URI or 'none'"),
    "where transfer_to_human sends the caller ('none', the default: the agent says no one is available)",
  ),
  PARLEY_TRANSFER_DIGIT: s(
    z
      .string()
      .trim()
      .regex(/^([0-9*#]|none)$/, "must be one key (0-9, * or #) or 'none'")
      .describe("one key 0-9, * or #, or 'none'"),
    "the key a caller presses to ask for a person (default 0; 'none': no key does)",
  ),
  PARLEY_DTMF_GAP_MS: s(int(200, 10_000), 'keys pressed within this of each other reach the conversation as one entry (default 1500)'),
  PARLEY_ECHO_THRESHOLD: s(
    decimal(0, 1, { above: true }),
    "echo detector: correlation of a caller turn's envelope with the agent's output at or above which the turn is the agent's own echo, cleared and not answered (default 0.8)",
  ),
  PARLEY_ECHO_MAX_LAG_MS: s(
    int(0, 30_000),
    "echo detector: longest delay searched between the agent's sound and its echo (default 12000; 0: the detector is off)",
  ),
  PARLEY_ECHO_MIN_SPEECH_MS: s(
    int(300, 10_000),
    'echo detector: speech a turn needs to be searched over every delay (default 800; shorter: only at the delay an echo already showed)',
  ),
  PARLEY_PACER_CUSHION_MS: s(int(20, 400), "audio kept queued in the call's AudioSource ahead of the frame playing (whole 20 ms frames)"),
  PARLEY_METRICS_PORT: s(int(0, 65_535), "worker's Prometheus /metrics port (0: a free one, logged)"),
  PARLEY_METRICS_HOST: s(text, "address the worker's /metrics listens on"),
  PARLEY_CALL_THREAD_NICE: s(
    int(-20, 19),
    "nice of each call's JS thread, ahead of rtc-node's threads and idle processes on its core (default -10; negative needs CAP_SYS_NICE)",
  ),
  PARLEY_CPU_PROFILE_DIR: s(text, "write a CPU profile of each call's event loop here (<callId>.cpuprofile; default: none)"),
  PARLEY_CPU_FULL_AT: s(decimal(0, 1), 'machine CPU share at which the worker reports itself full (0: jobs only)'),
  PARLEY_SERVER_TARGET_LOAD: s(decimal(0, 1, { above: true }), "livekit-server's agents.target_load"),
  PARLEY_THINKER_BASE_URL: s(url('http:', 'https:'), "thinkers' chat-completions base URL"),
  PARLEY_THINKER_MODEL_CHEAP: s(text, 'thinker model, fast tier'),
  PARLEY_THINKER_MODEL_STRONG: s(text, 'thinker model, strong tier'),
  PARLEY_RESEARCH_MS: s(int(0, 600_000), 'how long the research thinker works'),
  PARLEY_STILL_WORKING_MS: s(int(0, 600_000), "first 'still working' line after this long"),
  PARLEY_STILL_WORKING_EVERY_MS: s(int(1_000, 600_000), 'then one every this long'),
  PARLEY_THINKER_TIMEOUT_SCALE: s(decimal(0, 100, { above: true }), "multiplies every thinker's own time budget"),
  PARLEY_GEOCODING_URL: s(url('http:', 'https:'), 'weather: geocoding endpoint'),
  PARLEY_FORECAST_URL: s(url('http:', 'https:'), 'weather: forecast endpoint'),
  PARLEY_STOCKS_URL: s(url('http:', 'https:'), 'stocks endpoint'),
  PARLEY_NEWS_URL: s(url('http:', 'https:'), 'news endpoint'),
} as const;

/** The token server (web-client/server). */
export const WEB_SETTINGS = {
  PARLEY_WEB_HOST: s(text, 'address the token server listens on'),
  PARLEY_WEB_PORT: s(int(0, 65_535), 'port the token server listens on'),
  PARLEY_PUBLIC_LIVEKIT_URL: s(url('ws:', 'wss:'), 'LiveKit as browsers reach it'),
  PARLEY_TRUST_PROXY: s(flag, '1: client address from X-Forwarded-For (only behind your own proxy)'),
  PARLEY_COOKIE_SECRET: s(
    z.string().min(16, 'must be at least 16 characters').describe('text of 16 characters or more'),
    'HMAC key of the caller-id cookie',
  ),
} as const;

/**
 * Names the project's scripts, test stack and runners read (never the worker). Listed so that one
 * environment can drive the whole stack without the worker refusing them as unknown.
 */
export const TOOLING_SETTINGS = {
  PARLEY_NODE_IP: s(text, 'test namespace: the veth address livekit-server advertises'),
  PARLEY_PEER_IP: s(text, "test namespace: the veth peer end's address (SIP callers)"),
  PARLEY_NETNS: s(text, 'test namespace: its name'),
  PARLEY_TOOLS_DIR: s(text, 'where the Go-built tools are cached'),
  PARLEY_WITH_SIP: s(flag, '0: setup skips building LiveKit SIP'),
  PARLEY_SKIP_SHARED: s(flag, "1: tests that need ../shared's TEN VAD data are skipped"),
  PARLEY_TEST_REDIS_PORT: s(int(1, 65_535), "the test stack's Redis port"),
  PARLEY_LOAD_ENTRY: s(oneOf('main', 'soak'), 'npm run load / soak'),
  PARLEY_CHROMIUM: s(text, "Chromium's path"),
} as const;

export const ALL_SETTINGS: Record<string, Setting> = { ...WORKER_SETTINGS, ...WEB_SETTINGS, ...TOOLING_SETTINGS };

/** Names under this prefix are ours: one that is not listed above is a mistake, not someone else's. */
export const OWN_PREFIX = 'PARLEY_';
