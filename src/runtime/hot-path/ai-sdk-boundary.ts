import { registerTelemetryIntegration } from 'ai';
import { reportViolation } from './hot-path.js';

let watching = false;

/**
 * Makes every AI SDK call (`generateText`, `streamText`, and what builds on them) a hot-path
 * violation when it starts inside `hotPath()`, whichever provider it uses and even when it never
 * reaches the network. The SDK swallows errors from its integrations, so the violation cannot
 * stop the call from here: it is recorded on the operation, and `hotPath()` fails with it when
 * the operation ends (DISABLE_LLM_IN_HOT_PATH=1). Kept out of hot-path.ts so that hot-path code
 * importing `hotPath()` does not load the AI SDK. Idempotent.
 */
export function watchAiSdkCalls(): void {
  if (watching) return;
  watching = true;
  registerTelemetryIntegration({
    onStart: (event) => void reportViolation('ai-sdk', `AI SDK call to ${event.model.provider}/${event.model.modelId}`),
  });
}
