import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { firstChannel, parseWav } from '../audio/wav.js';
import { PACER_SAMPLE_RATE } from '../pacer/playback.js';
import { PROJECT_ROOT } from '../vad/model-path.js';

/** Lines the agent plays from a recording, when the model cannot say them (agent/assets/README.md). */
export type Clip = 'technical-problem';

/** A recorded line as the pacer plays it (mono PCM16 at its rate); read when needed, off the hot path. */
export async function loadClip(name: Clip): Promise<Int16Array> {
  const wav = parseWav(await readFile(resolve(PROJECT_ROOT, 'agent', 'assets', `${name}.wav`)));
  if (wav.sampleRate !== PACER_SAMPLE_RATE) throw new Error(`clip ${name}: ${wav.sampleRate} Hz, the pacer plays ${PACER_SAMPLE_RATE} Hz`);
  return firstChannel(wav);
}
