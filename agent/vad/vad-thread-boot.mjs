// Entry of the VAD thread when running from source (tests, tools). Plain JavaScript on purpose: a
// worker's entry file is loaded before any --import loader in its execArgv takes effect, so it
// registers tsx itself and then loads the TypeScript thread.
import { register } from 'tsx/esm/api';

register();
await import('./vad-thread.ts');
