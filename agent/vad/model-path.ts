/**
 * Where the TEN VAD model lives: the configured path (`TEN_VAD_MODEL`, agent/config) if any, else
 * `models/ten-vad.onnx` at the project root (put there by scripts/fetch-model.sh). Resolved from this file's location, not the working
 * directory, so tools work from anywhere in the tree.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Project root: the nearest directory above this file with a package.json. This file is
 * agent/vad/model-path.ts in the source tree, or dist/agent/vad/model-path.js when compiled.
 */
export const PROJECT_ROOT = projectRoot(dirname(fileURLToPath(import.meta.url)));

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..', '..');
  }
}

export const DEFAULT_MODEL_PATH = resolve(PROJECT_ROOT, 'models', 'ten-vad.onnx');

export function resolveModelPath(override?: string): string {
  const path = override !== undefined && override !== '' ? resolve(override) : DEFAULT_MODEL_PATH;
  if (!existsSync(path)) {
    throw new Error(
      override ? `TEN_VAD_MODEL points to ${path}, which does not exist` : `TEN VAD model not found at ${path}; run scripts/fetch-model.sh`,
    );
  }
  return path;
}
