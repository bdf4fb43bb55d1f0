import { DEFAULT_ECHO_CONFIG, type EchoConfig } from '../audio/echo.js';
import { DEFAULT_INSTRUCTIONS } from '../prompts.js';
import { DEFAULT_GATE_CONFIG } from '../vad/gate.js';
import { DEFAULT_NOISE_FLOOR_RMS } from '../vad/noise-floor.js';
import type { GateConfig } from '../vad/types.js';
import { DEFAULT_CUSHION_MS } from '../pacer/playback.js';
import type { Transport } from '../metrics/record.js';
import { ConfigError, readSettings, type Values } from './parse.js';
import { WEB_SETTINGS, WORKER_SETTINGS } from './settings.js';

/**
 * Every setting of the project, read and validated once, at a composition root (the worker, a job,
 * the token server), from the environment (the names, types and ranges: settings.ts), with embedded
 * defaults that run the local stack (dev LiveKit keys, local Redis, the local Realtime stand-in when
 * there is no OpenAI key). Each part is handed its own section; nothing below the roots reads the
 * environment.
 */

/** Dev credentials of the local livekit-server (livekit.yaml). Never valid against a real deployment. */
export const DEV_API_KEY = 'parleydev';
export const DEV_API_SECRET = 'parley-dev-secret-0123456789abcdef0123456789';

export type VadMode = 'local' | 'server_vad' | 'semantic_vad';

export interface ParleyConfig {
  agentName: string;
  livekit: { url: string; apiKey: string; apiSecret: string };
  openai: {
    apiKey: string;
    /** Base URL of the Realtime API (https://api.openai.com/v1, or the local stand-in's). */
    baseURL: string;
    realtimeModel: string;
    voice: string;
    /** True when no OPENAI_API_KEY is set and the local stand-in answers instead. */
    local: boolean;
  };
  redisUrl: string;
  /** local: our TEN VAD gate ends turns; server_vad/semantic_vad: OpenAI does, our gate only observes. */
  vadMode: VadMode;
  instructions: string;
  /** Max time a response.create caller waits for the active response to finish. */
  responseWaitTimeoutMs: number;
  idle: { nudgeAfterMs: number; goodbyeAfterMs: number };
  /** Calls one worker takes at most (each call is a job process). */
  maxJobs: number;
  /** CPU share of the machine at which the worker reports itself full; 0 = jobs only. */
  cpuFullAt: number;
  /**
   * livekit-server's `agents.target_load` (0.7 by default, also on LiveKit Cloud): the server
   * gives a worker no more jobs once its reported load reaches this, so "full" is reported as
   * this value, not as 1 (see agent/capacity.ts).
   */
  serverTargetLoad: number;
  /** Job processes kept started and warm (VAD model loaded) ahead of calls. */
  idleProcesses: number;
  /** The worker's health/status HTTP port; 0 picks a free one (several workers on one machine). */
  workerHttpPort: number;
  /**
   * What the agent says first, per transport (null: it waits for the caller). A phone caller hears
   * nothing until someone speaks, so phone calls are greeted by default; the page shows the agent
   * listening, so browser calls are not.
   */
  greeting: Record<Transport, string | null>;
  /** transfer_to_human and the caller's keys (agent/call/transfer.ts, agent/call/dtmf.ts). */
  transfer: TransferConfig;
  /** The Twilio Media Streams gateway (agent/transports/twilio). */
  twilio: TwilioConfig;
  /**
   * The echo detector (agent/audio/echo.ts): a caller turn that is the agent's own voice coming
   * back is cleared, not answered. Null: off (PARLEY_ECHO_MAX_LAG_MS=0).
   */
  echo: EchoConfig | null;
  /** The pacer's cushion in the AudioSource (agent/pacer/playback.ts). */
  pacer: { cushionMs: number };
  /** The worker's Prometheus endpoint (agent/metrics/prometheus.ts). */
  metrics: { host: string; port: number };
  /** The nice value of each call's JS thread (agent/call/priority.ts). */
  callThreadNice: number;
  /** Where each call's CPU profile goes (agent/metrics/call-profile.ts); null: none. */
  cpuProfileDir: string | null;
  logLevel: string;
  vad: VadConfig;
  responder: ResponderConfig;
  thinkers: ThinkerConfig;
  web: WebConfig;
}

export interface TransferConfig {
  /** E.164 number or sip:/tel: URI of the people a caller can be handed to; null: no one. */
  to: string | null;
  /** The key that asks for a person; null: none. */
  digit: string | null;
  /** Keys pressed within this of each other reach the conversation as one entry. */
  dtmfGapMs: number;
}

export interface TwilioConfig {
  host: string;
  port: number;
  /** The gateway as Twilio reaches it: signatures are computed over this, the stream URL is derived from it. */
  publicUrl: string;
  accountSid: string;
  authToken: string;
  /** True when the account and token are the built-in development ones (loopback only). */
  devCredentials: boolean;
  /** Twilio's REST API (https://api.twilio.com; a local stand-in in tests). */
  apiUrl: string;
  idleProcesses: number;
}

/** The caller-side VAD of every call (agent/vad). */
export interface VadConfig {
  gate: GateConfig;
  /** RMS (LSB) of the noise floor under the model's input (agent/vad/noise-floor.ts); 0 = off. */
  noiseFloorRms: number;
  /** The TEN VAD model file; undefined: models/ten-vad.onnx in the project. */
  modelPath: string | undefined;
  /** Run the detector on a worker thread of the job (agent/vad/threaded-detector.ts). */
  thread: boolean;
}

/** What the Responder asks of the Realtime session beyond the model and voice. */
export interface ResponderConfig {
  /** server_vad mode: the server's turn detection (the API's documented defaults). */
  serverVad: { threshold: number; prefixPaddingMs: number; silenceDurationMs: number };
  /** semantic_vad mode. */
  semanticEagerness: 'low' | 'medium' | 'high' | 'auto';
  transcriptionModel: string;
  /** A session is renewed (a new one, the conversation carried over) after this long; < the API's 60 min. */
  renewAfterMs: number;
}

/** The token server (web-client/server). */
export interface WebConfig {
  host: string;
  port: number;
  /** LiveKit as browsers reach it, when it differs from livekit.url. */
  publicLivekitUrl: string | undefined;
  /** Take the client address from X-Forwarded-For (only behind your own proxy). */
  trustProxy: boolean;
  /** HMAC key of the caller-id cookie; undefined: derived from the LiveKit secret. */
  cookieSecret: string | undefined;
}

/** The specialists' text models and their data providers. */
export interface ThinkerConfig {
  /** Chat-completions base URL (OpenAI's, or the local stand-in's). */
  baseURL: string;
  apiKey: string;
  /** Cheap, fast tier (weather, stocks) and the stronger tier (news, knowledge, research). */
  cheapModel: string;
  strongModel: string;
  /** How long the research thinker works (it exercises stalling and staleness). */
  researchMs: number;
  /** A "still working" line after this long, then every stillWorkingEveryMs while a thinker runs. */
  stillWorkingAfterMs: number;
  stillWorkingEveryMs: number;
  /** Multiplies every thinker's own timeout (slow deployments, tests). */
  timeoutScale: number;
  providers: {
    geocodingUrl: string;
    forecastUrl: string;
    stocksUrl: string;
    stocksKey: string;
    newsUrl: string;
    newsKey: string;
  };
}

/** Throws a ConfigError listing every problem (agent/config/parse.ts). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ParleyConfig {
  // one read of both tables: a bad web value is listed with the worker's problems, not after them
  const v = readSettings(env, { ...WORKER_SETTINGS, ...WEB_SETTINGS });
  const key = v.OPENAI_API_KEY ?? '';
  const local = key === '';
  const standin = v.PARLEY_PEER_URL ?? 'http://127.0.0.1:8089/v1';
  const openaiUrl = local ? standin : 'https://api.openai.com/v1';
  return {
    agentName: v.PARLEY_AGENT_NAME ?? 'parley',
    livekit: {
      url: v.LIVEKIT_URL ?? 'ws://127.0.0.1:7880',
      apiKey: v.LIVEKIT_API_KEY ?? DEV_API_KEY,
      apiSecret: v.LIVEKIT_API_SECRET ?? DEV_API_SECRET,
    },
    openai: {
      // The local stand-in accepts any bearer token but, like the real API, refuses none at all.
      apiKey: local ? 'local-standin' : key,
      baseURL: v.OPENAI_BASE_URL ?? openaiUrl,
      realtimeModel: v.PARLEY_REALTIME_MODEL ?? 'gpt-realtime',
      voice: v.PARLEY_VOICE ?? 'alloy',
      local,
    },
    redisUrl: v.REDIS_URL ?? 'redis://127.0.0.1:6379',
    vadMode: v.PARLEY_VAD_MODE ?? 'local',
    instructions: v.PARLEY_INSTRUCTIONS ?? DEFAULT_INSTRUCTIONS,
    responseWaitTimeoutMs: v.PARLEY_RESPONSE_WAIT_MS ?? 8000,
    idle: {
      nudgeAfterMs: v.PARLEY_IDLE_NUDGE_MS ?? 12_000,
      goodbyeAfterMs: v.PARLEY_IDLE_GOODBYE_MS ?? 45_000,
    },
    maxJobs: v.PARLEY_MAX_JOBS ?? 25,
    idleProcesses: v.PARLEY_IDLE_PROCESSES ?? DEFAULT_IDLE_PROCESSES,
    workerHttpPort: v.PARLEY_WORKER_PORT ?? 8081,
    greeting: {
      sip: greetingOf(v.PARLEY_GREETING_SIP ?? DEFAULT_PHONE_GREETING),
      webrtc: greetingOf(v.PARLEY_GREETING_WEBRTC ?? 'none'),
      twilio_ws: greetingOf(v.PARLEY_GREETING_TWILIO ?? DEFAULT_PHONE_GREETING),
    },
    transfer: {
      to: v.PARLEY_TRANSFER_TO === undefined || v.PARLEY_TRANSFER_TO === 'none' ? null : v.PARLEY_TRANSFER_TO,
      digit: v.PARLEY_TRANSFER_DIGIT === 'none' ? null : (v.PARLEY_TRANSFER_DIGIT ?? '0'),
      dtmfGapMs: v.PARLEY_DTMF_GAP_MS ?? 1500,
    },
    twilio: twilioOf(v),
    echo:
      v.PARLEY_ECHO_MAX_LAG_MS === 0
        ? null
        : {
            threshold: v.PARLEY_ECHO_THRESHOLD ?? DEFAULT_ECHO_CONFIG.threshold,
            maxLagMs: v.PARLEY_ECHO_MAX_LAG_MS ?? DEFAULT_ECHO_CONFIG.maxLagMs,
            minSpeechMs: v.PARLEY_ECHO_MIN_SPEECH_MS ?? DEFAULT_ECHO_CONFIG.minSpeechMs,
          },
    pacer: { cushionMs: v.PARLEY_PACER_CUSHION_MS ?? DEFAULT_CUSHION_MS },
    metrics: { host: v.PARLEY_METRICS_HOST ?? '0.0.0.0', port: v.PARLEY_METRICS_PORT ?? 9464 },
    callThreadNice: v.PARLEY_CALL_THREAD_NICE ?? DEFAULT_CALL_THREAD_NICE,
    cpuProfileDir: v.PARLEY_CPU_PROFILE_DIR ?? null,
    cpuFullAt: v.PARLEY_CPU_FULL_AT ?? 0.95,
    serverTargetLoad: v.PARLEY_SERVER_TARGET_LOAD ?? 0.7,
    logLevel: v.LOG_LEVEL ?? 'info',
    vad: {
      gate: {
        threshold: v.PARLEY_VAD_THRESHOLD ?? DEFAULT_GATE_CONFIG.threshold,
        minSpeechMs: v.PARLEY_VAD_MIN_SPEECH_MS ?? DEFAULT_GATE_CONFIG.minSpeechMs,
        hangoverMs: v.PARLEY_VAD_HANGOVER_MS ?? DEFAULT_GATE_CONFIG.hangoverMs,
        preRollMs: v.PARLEY_VAD_PREROLL_MS ?? DEFAULT_GATE_CONFIG.preRollMs,
        silenceBelowPeakDb: v.PARLEY_VAD_SILENCE_BELOW_PEAK_DB ?? DEFAULT_GATE_CONFIG.silenceBelowPeakDb,
      },
      noiseFloorRms: v.PARLEY_VAD_NOISE_FLOOR_RMS ?? DEFAULT_NOISE_FLOOR_RMS,
      modelPath: v.TEN_VAD_MODEL,
      thread: v.PARLEY_VAD_THREAD ?? false,
    },
    responder: {
      serverVad: {
        threshold: v.PARLEY_SERVER_VAD_THRESHOLD ?? 0.5,
        prefixPaddingMs: v.PARLEY_SERVER_VAD_PREFIX_MS ?? 300,
        silenceDurationMs: v.PARLEY_SERVER_VAD_SILENCE_MS ?? 500,
      },
      semanticEagerness: v.PARLEY_SEMANTIC_VAD_EAGERNESS ?? 'auto',
      transcriptionModel: v.PARLEY_TRANSCRIPTION_MODEL ?? 'gpt-4o-mini-transcribe',
      // 45 min: fewer renewals than the plugin's 20 min (each one leaves the earlier audio as text),
      // and room before the API's 60 min for an answer in progress to finish first
      renewAfterMs: v.PARLEY_REALTIME_RENEW_MS ?? 45 * 60_000,
    },
    thinkers: {
      baseURL: v.PARLEY_THINKER_BASE_URL ?? v.OPENAI_BASE_URL ?? openaiUrl,
      apiKey: local ? 'local-standin' : key,
      cheapModel: v.PARLEY_THINKER_MODEL_CHEAP ?? 'gpt-4.1-mini',
      strongModel: v.PARLEY_THINKER_MODEL_STRONG ?? 'gpt-4.1',
      researchMs: v.PARLEY_RESEARCH_MS ?? 30_000,
      stillWorkingAfterMs: v.PARLEY_STILL_WORKING_MS ?? 8_000,
      stillWorkingEveryMs: v.PARLEY_STILL_WORKING_EVERY_MS ?? 15_000,
      timeoutScale: v.PARLEY_THINKER_TIMEOUT_SCALE ?? 1,
      providers: {
        geocodingUrl: v.PARLEY_GEOCODING_URL ?? 'https://geocoding-api.open-meteo.com/v1/search',
        forecastUrl: v.PARLEY_FORECAST_URL ?? 'https://api.open-meteo.com/v1/forecast',
        stocksUrl: v.PARLEY_STOCKS_URL ?? 'https://finnhub.io/api/v1',
        stocksKey: v.FINNHUB_API_KEY ?? '',
        newsUrl: v.PARLEY_NEWS_URL ?? 'https://newsapi.org/v2',
        newsKey: v.NEWSAPI_KEY ?? '',
      },
    },
    web: {
      host: v.PARLEY_WEB_HOST ?? '127.0.0.1',
      port: v.PARLEY_WEB_PORT ?? 8080,
      publicLivekitUrl: v.PARLEY_PUBLIC_LIVEKIT_URL,
      trustProxy: v.PARLEY_TRUST_PROXY ?? false,
      cookieSecret: v.PARLEY_COOKIE_SECRET,
    },
  };
}

/** A development account and token: accepted only while the gateway listens on loopback. */
export const DEV_TWILIO_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
export const DEV_TWILIO_AUTH_TOKEN = 'parley-dev-twilio-token-0123456789';

function twilioOf(v: Values<typeof WORKER_SETTINGS & typeof WEB_SETTINGS>): TwilioConfig {
  const host = v.PARLEY_TWILIO_HOST ?? '127.0.0.1';
  const port = v.PARLEY_TWILIO_PORT ?? 8090;
  const devCredentials = v.TWILIO_AUTH_TOKEN === undefined;
  if (devCredentials && !isLoopback(host)) {
    throw new ConfigError([
      `PARLEY_TWILIO_HOST=${host}: the Twilio gateway needs TWILIO_AUTH_TOKEN (and TWILIO_ACCOUNT_SID) beyond loopback; the development token is public`,
    ]);
  }
  return {
    host,
    port,
    publicUrl: (v.PARLEY_TWILIO_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, ''),
    accountSid: v.TWILIO_ACCOUNT_SID ?? DEV_TWILIO_ACCOUNT_SID,
    authToken: v.TWILIO_AUTH_TOKEN ?? DEV_TWILIO_AUTH_TOKEN,
    devCredentials,
    apiUrl: (v.PARLEY_TWILIO_API_URL ?? 'https://api.twilio.com').replace(/\/+$/, ''),
    idleProcesses: v.PARLEY_TWILIO_IDLE_PROCESSES ?? 1,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The phone line's first words unless PARLEY_GREETING_SIP says otherwise. */
export const DEFAULT_PHONE_GREETING = 'Hello, this is Parley. How can I help?';

/** A greeting setting: its words, or null for 'none'. */
function greetingOf(v: string): string | null {
  const t = v.trim();
  return t === '' || t.toLowerCase() === 'none' ? null : t;
}

/**
 * Each call's JS thread at nice −10 (agent/call/priority.ts): ahead of rtc-node's threads, the
 * worker and idle processes on its core, as the stall table in docs/deployment.md measured.
 */
export const DEFAULT_CALL_THREAD_NICE = -10;

/** Job processes kept warm (VAD model loaded, echo comparison compiled) for the next calls. */
export const DEFAULT_IDLE_PROCESSES = 2;
