// Entry of the guardrail's worker thread. Plain JavaScript on purpose: a worker's entry file is
// loaded before any --import loader in its execArgv takes effect, so it registers tsx itself and
// then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./pii-worker.ts');
