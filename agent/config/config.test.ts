import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ECHO_CONFIG } from '../audio/echo.js';
import { DEFAULT_GATE_CONFIG } from '../vad/gate.js';
import { closestName, editDistance } from './closest-name.js';
import { DEFAULT_PHONE_GREETING, loadConfig } from './config.js';
import { ConfigError } from './parse.js';
import { ALL_SETTINGS, TOOLING_SETTINGS, WEB_SETTINGS, WORKER_SETTINGS } from './settings.js';

/** The problems a ConfigError lists for `env` (fails the test when it does not throw one). */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig: defaults', () => {
  it('runs the local stack with nothing set', () => {
    const c = loadConfig({});
    expect(c.openai.local).toBe(true);
    expect(c.openai.baseURL).toBe('http://127.0.0.1:8089/v1');
    expect(c.thinkers.baseURL).toBe('http://127.0.0.1:8089/v1');
    expect(c.maxJobs).toBe(25);
    expect(c.thinkers.timeoutScale).toBe(1);
    expect(c.vad.gate).toEqual(DEFAULT_GATE_CONFIG);
    expect(c.vad.modelPath).toBeUndefined();
    expect(c.responder.serverVad).toEqual({ threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 });
    expect(c.web).toEqual({ host: '127.0.0.1', port: 8080, publicLivekitUrl: undefined, trustProxy: false, cookieSecret: undefined });
  });

  it('hands each part its values', () => {
    const c = loadConfig({
      OPENAI_API_KEY: 'sk-test',
      PARLEY_VAD_HANGOVER_MS: '250',
      PARLEY_VAD_THRESHOLD: '0.6',
      PARLEY_VAD_NOISE_FLOOR_RMS: '0',
      PARLEY_VAD_THREAD: '0',
      TEN_VAD_MODEL: '/models/ten.onnx',
      PARLEY_SERVER_VAD_SILENCE_MS: '700',
      PARLEY_TRANSCRIPTION_MODEL: 'whisper-1',
      PARLEY_THINKER_TIMEOUT_SCALE: '0.02',
      PARLEY_TRUST_PROXY: '1',
      PARLEY_WEB_PORT: '9090',
      LOG_LEVEL: 'debug',
    });
    expect(c.openai).toMatchObject({ local: false, apiKey: 'sk-test', baseURL: 'https://api.openai.com/v1' });
    expect(c.vad).toEqual({
      gate: { ...DEFAULT_GATE_CONFIG, hangoverMs: 250, threshold: 0.6 },
      noiseFloorRms: 0,
      modelPath: '/models/ten.onnx',
      thread: false,
    });
    expect(c.responder.serverVad.silenceDurationMs).toBe(700);
    expect(c.responder.transcriptionModel).toBe('whisper-1');
    expect(c.thinkers.timeoutScale).toBe(0.02);
    expect(c.web.trustProxy).toBe(true);
    expect(c.web.port).toBe(9090);
    expect(c.logLevel).toBe('debug');
  });

  it('reads an empty value as unset, and leaves names of others alone', () => {
    const c = loadConfig({ PARLEY_MAX_JOBS: '', OPENAI_API_KEY: '', HOME: '/root', LIVEKIT_SOMETHING_ELSE: 'x', NODE_OPTIONS: '--foo' });
    expect(c.maxJobs).toBe(25);
    expect(c.openai.local).toBe(true);
  });
});

describe('loadConfig: refusals', () => {
  it('refuses an unknown PARLEY_ name, naming the closest valid one', () => {
    expect(problems({ PARLEY_VAD_HANGOVR_MS: '250' })).toEqual([
      'PARLEY_VAD_HANGOVR_MS is not a setting of Parley; did you mean PARLEY_VAD_HANGOVER_MS?',
    ]);
    expect(problems({ PARLEY_MAXJOBS: '4' })[0]).toContain('did you mean PARLEY_MAX_JOBS?');
    expect(problems({ PARLEY_IDLE_NUDGE: '0' })[0]).toContain('did you mean PARLEY_IDLE_NUDGE_MS?');
  });

  it('refuses a value of the wrong type', () => {
    expect(problems({ PARLEY_MAX_JOBS: '0.95' })).toEqual(['PARLEY_MAX_JOBS must be a whole number from 1 to 1000, got "0.95"']);
    expect(problems({ PARLEY_IDLE_NUDGE_MS: '12s' })[0]).toMatch(/^PARLEY_IDLE_NUDGE_MS must be a whole number/);
    expect(problems({ PARLEY_VAD_THRESHOLD: 'half' })[0]).toMatch(
      /^PARLEY_VAD_THRESHOLD must be a number above 0 and at most 1, got "half"/,
    );
    expect(problems({ PARLEY_VAD_MODE: 'silero' })).toEqual([
      'PARLEY_VAD_MODE must be one of local, server_vad, semantic_vad, got "silero"',
    ]);
    expect(problems({ PARLEY_TRUST_PROXY: 'yes' })).toEqual(['PARLEY_TRUST_PROXY must be 0 or 1, got "yes"']);
    expect(problems({ LIVEKIT_URL: 'localhost:7880' })[0]).toMatch(/^LIVEKIT_URL must be a URL starting ws:\/\//);
    expect(problems({ LOG_LEVEL: 'verbose' })[0]).toMatch(/^LOG_LEVEL must be one of fatal/);
  });

  it('refuses a value out of range (no silent replacement)', () => {
    expect(problems({ PARLEY_THINKER_TIMEOUT_SCALE: '0' })).toEqual([
      'PARLEY_THINKER_TIMEOUT_SCALE must be above 0 and at most 100, got "0"',
    ]);
    expect(problems({ PARLEY_MAX_JOBS: '0' })).toEqual(['PARLEY_MAX_JOBS must be from 1 to 1000, got "0"']);
    expect(problems({ PARLEY_CPU_FULL_AT: '1.5' })).toEqual(['PARLEY_CPU_FULL_AT must be from 0 to 1, got "1.5"']);
    expect(problems({ PARLEY_IDLE_GOODBYE_MS: '-5' })[0]).toBe('PARLEY_IDLE_GOODBYE_MS must be 0 or more, got "-5"');
    expect(problems({ PARLEY_WEB_PORT: '70000' })[0]).toBe('PARLEY_WEB_PORT must be from 0 to 65535, got "70000"');
    expect(problems({ PARLEY_COOKIE_SECRET: 'short' })[0]).toBe('PARLEY_COOKIE_SECRET must be at least 16 characters, got "short"');
  });

  it("lists every problem at once, the token server's with the worker's", () => {
    const p = problems({ PARLEY_MAX_JOBS: 'x', PARLEY_VAD_MODE: 'y', PARLEY_VOICEE: 'alloy', PARLEY_WEB_PORT: '70000' });
    expect(p).toHaveLength(4);
    expect(new ConfigError(p).message).toBe(`invalid configuration:\n  ${p.join('\n  ')}`);
  });
});

describe('closestName', () => {
  it('measures edits, swaps counting once', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('PARLEY_VOICE', 'PARLEY_VOCIE')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closestName('PARLEY_VOCIE', Object.keys(ALL_SETTINGS))).toBe('PARLEY_VOICE');
  });
});

describe('the settings table is the whole truth', () => {
  const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
  const tracked = execFileSync('git', ['ls-files', '*.ts', '*.sh', '*.mjs'], { encoding: 'utf8', cwd: new URL('../..', import.meta.url) })
    .split('\n')
    .filter((f) => f && !f.startsWith('agent/config/'));
  const root = new URL('../../', import.meta.url);
  const readAll = tracked.map((f) => readFileSync(new URL(f, root), 'utf8')).join('\n');

  it('every worker and web setting is read by loadConfig', () => {
    for (const name of Object.keys(WORKER_SETTINGS)) expect(source, name).toContain(`v.${name}`);
    for (const name of Object.keys(WEB_SETTINGS)) expect(source, name).toContain(`v.${name}`);
  });

  it('every tooling setting is read somewhere in the project', () => {
    for (const name of Object.keys(TOOLING_SETTINGS)) expect(readAll, name).toContain(name);
  });

  it('every PARLEY_ name the project reads is listed (else the worker would refuse it)', () => {
    const used = new Set(readAll.match(/PARLEY_[A-Z0-9_]*[A-Z0-9]/g));
    const unlisted = [...used].filter((n) => !(n in ALL_SETTINGS));
    expect(unlisted).toEqual([]);
  });
});

describe('greeting', () => {
  it('greets phone callers by default, not browser callers; none turns it off', () => {
    expect(loadConfig({}).greeting).toEqual({ sip: DEFAULT_PHONE_GREETING, webrtc: null, twilio_ws: DEFAULT_PHONE_GREETING });
    expect(
      loadConfig({ PARLEY_GREETING_SIP: 'none', PARLEY_GREETING_WEBRTC: ' Hi there. ', PARLEY_GREETING_TWILIO: 'none' }).greeting,
    ).toEqual({
      sip: null,
      webrtc: 'Hi there.',
      twilio_ws: null,
    });
  });
});

describe('transfer and keys', () => {
  it('has no one to transfer to by default, 0 asks for a person, and a target must be a number or a SIP/tel URI', () => {
    expect(loadConfig({}).transfer).toEqual({ to: null, digit: '0', dtmfGapMs: 1500 });
    expect(loadConfig({ PARLEY_TRANSFER_TO: '+15550100', PARLEY_TRANSFER_DIGIT: '*' }).transfer).toMatchObject({
      to: '+15550100',
      digit: '*',
    });
    expect(loadConfig({ PARLEY_TRANSFER_TO: 'sip:desk@pbx.example.com', PARLEY_TRANSFER_DIGIT: 'none' }).transfer).toMatchObject({
      to: 'sip:desk@pbx.example.com',
      digit: null,
    });
    expect(() => loadConfig({ PARLEY_TRANSFER_TO: '5550100' })).toThrow(/PARLEY_TRANSFER_TO.*E\.164/);
    expect(() => loadConfig({ PARLEY_TRANSFER_DIGIT: '12' })).toThrow(/PARLEY_TRANSFER_DIGIT.*one key/);
  });
});

describe('twilio gateway', () => {
  it('runs on development credentials on loopback only; beyond it a real token is required', () => {
    const dev = loadConfig({}).twilio;
    expect(dev).toMatchObject({
      host: '127.0.0.1',
      port: 8090,
      publicUrl: 'http://127.0.0.1:8090',
      devCredentials: true,
      apiUrl: 'https://api.twilio.com',
    });
    expect(() => loadConfig({ PARLEY_TWILIO_HOST: '0.0.0.0' })).toThrow(/TWILIO_AUTH_TOKEN/);
    const real = loadConfig({
      PARLEY_TWILIO_HOST: '0.0.0.0',
      TWILIO_AUTH_TOKEN: 'abcdefabcdefabcdef12',
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      PARLEY_TWILIO_PUBLIC_URL: 'https://voice.example.com/',
    }).twilio;
    expect(real).toMatchObject({ devCredentials: false, publicUrl: 'https://voice.example.com', accountSid: `AC${'a'.repeat(32)}` });
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: 'AC123' })).toThrow(/TWILIO_ACCOUNT_SID.*32 hex/);
  });
});

describe('echo detector', () => {
  it('is on by default, tuned by its three settings, off with a max lag of 0, and refuses a threshold of 0', () => {
    expect(loadConfig({}).echo).toEqual(DEFAULT_ECHO_CONFIG);
    expect(loadConfig({ PARLEY_ECHO_THRESHOLD: '0.9', PARLEY_ECHO_MAX_LAG_MS: '3000', PARLEY_ECHO_MIN_SPEECH_MS: '1200' }).echo).toEqual({
      threshold: 0.9,
      maxLagMs: 3000,
      minSpeechMs: 1200,
    });
    expect(loadConfig({ PARLEY_ECHO_MAX_LAG_MS: '0' }).echo).toBeNull();
    expect(problems({ PARLEY_ECHO_THRESHOLD: '0' })[0]).toMatch(/PARLEY_ECHO_THRESHOLD/);
  });
});
