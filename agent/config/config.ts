/**
 * Every setting of the worker, read once from the environment, with embedded defaults that run the
 * local stack (dev LiveKit keys, local Redis, the local Realtime peer when there is no OpenAI key).
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
    /** Base URL of the Realtime API (https://api.openai.com/v1, or the local peer's). */
    baseURL: string;
    realtimeModel: string;
    voice: string;
    /** True when no OPENAI_API_KEY is set and the local peer answers instead. */
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
  thinkers: ThinkerConfig;
}

/** The specialists' text models and their data providers. */
export interface ThinkerConfig {
  /** Chat-completions base URL (OpenAI's, or the local peer's). */
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

const DEFAULT_INSTRUCTIONS =
  'You are Parley, a friendly voice assistant on a call. Answer in one or two short spoken sentences. ' +
  'Never read out lists or markup.';

function int(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return v;
}

function vadMode(raw: string | undefined): VadMode {
  const v = raw ?? 'local';
  if (v === 'local' || v === 'server_vad' || v === 'semantic_vad') return v;
  throw new Error(`PARLEY_VAD_MODE must be local, server_vad or semantic_vad, got "${v}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ParleyConfig {
  const key = env.OPENAI_API_KEY ?? '';
  const local = key === '';
  const peer = env.PARLEY_PEER_URL ?? 'http://127.0.0.1:8089/v1';
  return {
    agentName: env.PARLEY_AGENT_NAME ?? 'parley',
    livekit: {
      url: env.LIVEKIT_URL ?? 'ws://127.0.0.1:7880',
      apiKey: env.LIVEKIT_API_KEY ?? DEV_API_KEY,
      apiSecret: env.LIVEKIT_API_SECRET ?? DEV_API_SECRET,
    },
    openai: {
      // The local peer accepts any bearer token but, like the real API, refuses none at all.
      apiKey: local ? 'local-peer' : key,
      baseURL: env.OPENAI_BASE_URL ?? (local ? peer : 'https://api.openai.com/v1'),
      realtimeModel: env.PARLEY_REALTIME_MODEL ?? 'gpt-realtime',
      voice: env.PARLEY_VOICE ?? 'alloy',
      local,
    },
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    vadMode: vadMode(env.PARLEY_VAD_MODE),
    instructions: env.PARLEY_INSTRUCTIONS ?? DEFAULT_INSTRUCTIONS,
    responseWaitTimeoutMs: int('PARLEY_RESPONSE_WAIT_MS', 8000, env),
    idle: {
      nudgeAfterMs: int('PARLEY_IDLE_NUDGE_MS', 12_000, env),
      goodbyeAfterMs: int('PARLEY_IDLE_GOODBYE_MS', 45_000, env),
    },
    maxJobs: Math.max(1, int('PARLEY_MAX_JOBS', 25, env)),
    idleProcesses: int('PARLEY_IDLE_PROCESSES', 2, env),
    workerHttpPort: int('PARLEY_WORKER_PORT', 8081, env),
    cpuFullAt: int('PARLEY_CPU_FULL_AT', 0.95, env),
    serverTargetLoad: int('PARLEY_SERVER_TARGET_LOAD', 0.7, env),
    thinkers: {
      baseURL: env.PARLEY_THINKER_BASE_URL ?? env.OPENAI_BASE_URL ?? (local ? peer : 'https://api.openai.com/v1'),
      apiKey: local ? 'local-peer' : key,
      cheapModel: env.PARLEY_THINKER_MODEL_CHEAP ?? 'gpt-4.1-mini',
      strongModel: env.PARLEY_THINKER_MODEL_STRONG ?? 'gpt-4.1',
      researchMs: int('PARLEY_RESEARCH_MS', 30_000, env),
      stillWorkingAfterMs: int('PARLEY_STILL_WORKING_MS', 8_000, env),
      stillWorkingEveryMs: int('PARLEY_STILL_WORKING_EVERY_MS', 15_000, env),
      timeoutScale: int('PARLEY_THINKER_TIMEOUT_SCALE', 1, env) || 1,
      providers: {
        geocodingUrl: env.PARLEY_GEOCODING_URL ?? 'https://geocoding-api.open-meteo.com/v1/search',
        forecastUrl: env.PARLEY_FORECAST_URL ?? 'https://api.open-meteo.com/v1/forecast',
        stocksUrl: env.PARLEY_STOCKS_URL ?? 'https://finnhub.io/api/v1',
        stocksKey: env.FINNHUB_API_KEY ?? '',
        newsUrl: env.PARLEY_NEWS_URL ?? 'https://newsapi.org/v2',
        newsKey: env.NEWSAPI_KEY ?? '',
      },
    },
  };
}
