import { RealFft } from '../agent/vad/fft.js';

export interface Bandwidth {
  sampleRate: number;
  /** Frequency (Hz) below which `fraction` of the signal's power lies. */
  bandwidthHz: number;
  fraction: number;
  /** Frames that were loud enough to count (silence would only add noise floor). */
  frames: number;
}

/**
 * The occupied bandwidth of what the caller heard: the Hann-windowed power spectrum averaged over
 * 2048-sample frames (50 % overlap), then the frequency under which `fraction` (99 %) of the power
 * lies. Silent frames (more than 40 dB below the loudest) are left out, so pauses do not weigh in.
 */
export function powerBandwidth(samples: Int16Array, sampleRate: number, fraction = 0.99, size = 2048): Bandwidth {
  const fft = new RealFft(size);
  const hann = Float64Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (size - 1)));
  const frame = new Float64Array(size);
  const power = new Float64Array(size / 2 + 1);
  const frames: Float64Array[] = [];
  const energies: number[] = [];
  for (let o = 0; o + size <= samples.length; o += size / 2) {
    let e = 0;
    for (let i = 0; i < size; i++) {
      const v = samples[o + i]! / 32768;
      e += v * v;
      frame[i] = v * hann[i]!;
    }
    fft.power(frame, power);
    frames.push(Float64Array.from(power));
    energies.push(e);
  }
  if (!frames.length) throw new Error(`too short for a ${size}-sample analysis`);
  const loudest = Math.max(...energies);
  const avg = new Float64Array(size / 2 + 1);
  let used = 0;
  frames.forEach((p, i) => {
    if (energies[i]! < loudest * 1e-4) return;
    used++;
    for (let k = 0; k < avg.length; k++) avg[k]! += p[k]!;
  });
  const total = avg.reduce((a, b) => a + b, 0) - avg[0]!; // DC is not bandwidth
  let acc = 0;
  let k = 1;
  for (; k < avg.length; k++) {
    acc += avg[k]!;
    if (acc >= fraction * total) break;
  }
  return { sampleRate, bandwidthHz: Math.round((k * sampleRate) / size), fraction, frames: used };
}
