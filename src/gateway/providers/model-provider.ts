import type { StorySetting } from '../kinds/story-context.js';
import type { z } from 'zod';
import type { Kind } from '../kinds/index.js';
import type { Prompt } from '../prompt.js';

export interface CompletionRequest {
  kind: Kind;
  /** The capped input: providers that compose answers themselves (offline) read this, not the prompt. */
  input: unknown;
  prompt: Prompt;
  schema: z.ZodType;
  maxOutputTokens: number;
  /** Makes the answer reproducible where the provider supports it. */
  seed: number | undefined;
  /** The scenario's setting; providers that compose answers themselves (offline) write in its words. */
  setting?: StorySetting | undefined;
  /** The lines the player read last, newest first; the offline writer avoids their sentence frames. */
  recent?: readonly string[] | undefined;
  signal: AbortSignal;
  /** The game the call is for, whose budget it is charged to; undefined for work outside a game. */
  gameId: string | undefined;
  /** The task's priority (1–10, higher is worth more): under the hourly budget the lowest is shed first. */
  priority: number;
}

/** What the model said: parsed JSON, or text the provider could not parse or validate. */
export type ModelAnswer = { type: 'json'; value: unknown } | { type: 'text'; text: string };

export interface Completion {
  answer: ModelAnswer;
  model: string;
  promptTokens: number;
  outputTokens: number;
  /** What the call cost in US dollars, set by the metering around the provider; 0 for a cached answer. */
  costUsd?: number;
}

/**
 * One way of answering a model request. Providers throw the gateway's typed errors for transport
 * failures (ModelServerError, ModelRateLimitedError, ...); an answer that does not fit the schema is
 * returned, not thrown, so the gateway can ask for a repair.
 */
export interface ModelProvider {
  readonly name: string;
  /** The model id a request of `kind` goes to, known before the call (the completion cache keys on it). */
  modelFor?(kind: Kind): string;
  complete(request: CompletionRequest): Promise<Completion>;
  /** One cheap request that shows the backend answers (start-up check); rejects with why it does not. */
  probe?(signal: AbortSignal): Promise<void>;
}

/** The model a request of `kind` goes to through `provider`; its name when it cannot say in advance. */
export function modelOf(provider: ModelProvider, kind: Kind): string {
  return provider.modelFor?.(kind) ?? provider.name;
}

/**
 * A provider that adds something around another (metering, a cache, a recording, health): it
 * answers to the inner provider's name and models, and the start-up check goes through to it.
 */
export abstract class ProviderDecorator implements ModelProvider {
  readonly name: string;

  constructor(protected readonly inner: ModelProvider) {
    this.name = inner.name;
  }

  probe(signal: AbortSignal): Promise<void> {
    return this.inner.probe?.(signal) ?? Promise.resolve();
  }

  modelFor(kind: Kind): string {
    return modelOf(this.inner, kind);
  }

  abstract complete(request: CompletionRequest): Promise<Completion>;
}

/** The usual rough estimate when a provider reports no token counts. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
