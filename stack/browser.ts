import { writeFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { encodeWav } from '../agent/audio/wav.js';
import { speakPcm } from '../speech/espeak.js';

/** Debian's Chromium (scripts/install-system.sh); playwright-core drives it, nothing is downloaded. */
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * A WAV for Chromium's fake microphone: `text` spoken by espeak-ng at 48 kHz, then `silenceSec`
 * of silence. Chromium loops the file, so the caller asks again after each pause.
 */
export async function fakeMicWav(path: string, text: string, silenceSec: number): Promise<string> {
  const speech = await speakPcm(text, 48_000);
  const padded = new Int16Array(speech.length + Math.round(48_000 * silenceSec));
  padded.set(speech, 0);
  writeFileSync(path, encodeWav(padded, 48_000));
  return path;
}

/** Headless Chromium whose microphone plays `micWav` (no permission prompt). */
export function launchChromium(micWav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', // runs as root on CI machines
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${micWav}`,
    ],
  });
}
