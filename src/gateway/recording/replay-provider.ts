import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../config/config.js';
import { PermanentTaskError } from '../../runtime/queue/task-errors.js';
import { abortableDelay } from '../abort.js';
import { promptHash } from '../prompt-hash.js';
import type { Completion, CompletionRequest, ModelProvider } from '../providers/model-provider.js';
import { RECORDING_EXTENSION, recordedCall, type RecordedCall } from './recorded-call.js';

/** A request the recording never saw. Permanent: replaying it again cannot find it either. */
export class ReplayMissError extends PermanentTaskError {
  readonly reason = 'replay_miss';
  constructor(kind: string, hash: string, dir: string) {
    super(
      `no recorded answer for a "${kind}" request with prompt hash ${hash} in ${dir} (set LLM_REPLAY_MISS=offline to let the offline writer answer)`,
    );
    this.name = 'ReplayMissError';
  }
}

export interface ReplaySettings {
  /** LLM_REPLAY_LATENCY: wait each answer's recorded latency (true) or answer at once. */
  latency: boolean;
  /** LLM_REPLAY_MISS=offline: who answers a request the recording lacks; undefined makes a miss an error. */
  onMiss: ModelProvider | undefined;
}

/**
 * LLM_PROVIDER=replay: answers from a recording made with LLM_RECORD, each recorded answer once, in
 * recording order. A request takes the first unused answer recorded for its kind and prompt hash;
 * failing that (its prompt differs from every recorded one, say by a timestamp), the first unused
 * answer of its kind; once those run out, the last answer for its prompt again. So a scripted game
 * replays the same way every time, and only a request of a kind never recorded, or past the end
 * of the recording, is a miss.
 */
export class ReplayProvider implements ModelProvider {
  readonly name = 'replay';
  private readonly calls: RecordedCall[];
  private readonly used: boolean[];
  private readonly byRequest = new Map<string, number[]>();
  private readonly byKind = new Map<string, number[]>();

  constructor(
    private readonly dir: string,
    private readonly settings: ReplaySettings,
  ) {
    this.calls = readRecording(dir);
    this.used = this.calls.map(() => false);
    this.calls.forEach((call, index) => {
      append(this.byRequest, requestKey(call.kind, call.promptHash), index);
      append(this.byKind, call.kind, index);
    });
  }

  /** How many recorded answers were loaded. */
  get size(): number {
    return this.calls.length;
  }

  modelFor(): string {
    return this.name;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const hash = promptHash(request.prompt);
    const sameRequest = this.byRequest.get(requestKey(request.kind, hash)) ?? [];
    const unused = (indices: number[]) => indices.find((index) => !this.used[index]);
    const index = unused(sameRequest) ?? unused(this.byKind.get(request.kind) ?? []) ?? sameRequest.at(-1);
    if (index === undefined) {
      if (this.settings.onMiss) return this.settings.onMiss.complete(request);
      throw new ReplayMissError(request.kind, hash, this.dir);
    }
    this.used[index] = true;
    const call = this.calls[index]!;
    if (this.settings.latency && call.latencyMs > 0) await abortableDelay(call.latencyMs, request.signal);
    return { answer: call.output, model: call.model, promptTokens: call.usage.promptTokens, outputTokens: call.usage.outputTokens };
  }
}

function append(index: Map<string, number[]>, key: string, value: number): void {
  const values = index.get(key) ?? [];
  values.push(value);
  index.set(key, values);
}

function requestKey(kind: string, hash: string): string {
  return `${kind}|${hash}`;
}

/** Every call in the folder's recordings, files in name order (which is the order they were started). */
function readRecording(dir: string): RecordedCall[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((name) => name.endsWith(RECORDING_EXTENSION))
      .sort();
  } catch {
    throw new ConfigError('LLM_REPLAY', 'a readable folder holding a recording (made with LLM_RECORD)', dir);
  }
  if (files.length === 0) throw new ConfigError('LLM_REPLAY', `a folder holding at least one *${RECORDING_EXTENSION} recording`, dir);
  const calls: RecordedCall[] = [];
  for (const file of files) {
    const path = join(dir, file);
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.trim() === '') return;
        let parsed: ReturnType<typeof recordedCall.safeParse>;
        try {
          parsed = recordedCall.safeParse(JSON.parse(line));
        } catch {
          throw new ConfigError('LLM_REPLAY', 'recordings of one JSON object a line', `${path}:${index + 1}`);
        }
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new ConfigError(
            'LLM_REPLAY',
            `recorded calls (${issue.path.join('.') || 'line'}: ${issue.message})`,
            `${path}:${index + 1}`,
          );
        }
        calls.push(parsed.data);
      });
  }
  return calls;
}
