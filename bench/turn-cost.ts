/**
 * What one model call per turn saves, per turn, with the prompts Nyx sends: prompt tokens (estimated
 * as the gateway bills the offline writer, 4 characters a token) and the answer's length, for a
 * choice two NPCs react to that also moved its conflict into a new phase, with a setting and the
 * last 20 lines of story as every call carries them.
 *
 *   npx tsx bench/turn-cost.ts
 */
import { LlmGateway, OfflineProvider, taskKinds, type Kind, type KindInput } from '../src/gateway/index.js';
import { withStory } from '../src/gateway/prompt.js';
import { estimateTokens } from '../src/gateway/providers/model-provider.js';
import { sampleInputs } from '../test/gateway/sample-inputs.js';

const SEEDS = 50;
const recent = Array.from(
  { length: 20 },
  (_, i) => `Line ${i + 1}: Mara Vell turns on the quay and says what everyone was thinking, loud enough for the dockhands to hear.`,
);
const setting = { name: 'Saltmere', description: 'A harbour town where the tolls decide who eats.', era: 'the age of sail' };

const { beat: _beat, ...turn } = sampleInputs.turn_prose;
const reactionOf = (i: number): KindInput<'stakeholder_reaction'> => ({
  ...sampleInputs.stakeholder_reaction,
  stakeholder: turn.reactors[i]!,
  recentEvents: turn.recentEvents,
});
const separately: Array<{ kind: Kind; input: unknown }> = [
  { kind: 'stakeholder_reaction', input: reactionOf(0) },
  { kind: 'stakeholder_reaction', input: reactionOf(1) },
  { kind: 'phase_narration', input: sampleInputs.phase_narration },
];
const joined: Array<{ kind: Kind; input: unknown }> = [{ kind: 'turn_prose', input: turn }];

function promptTokens(calls: ReadonlyArray<{ kind: Kind; input: unknown }>): number {
  return calls.reduce((sum, { kind, input }) => {
    const prompt = withStory(taskKinds[kind].buildPrompt(input as never), { setting, recent });
    return sum + estimateTokens(prompt.system + prompt.data);
  }, 0);
}

const gateway = new LlmGateway(new OfflineProvider(), 30_000);
async function answerChars(calls: ReadonlyArray<{ kind: Kind; input: unknown }>): Promise<number> {
  let chars = 0;
  for (let seed = 0; seed < SEEDS; seed++) {
    for (const { kind, input } of calls) {
      const { value } = await gateway.generate(kind, { input: input as never, context: { seed, recent, setting } });
      chars += JSON.stringify(value).length;
    }
  }
  return chars / SEEDS;
}

const rows = [
  ['one call each (2 reactions + narration)', separately],
  ['one call per turn (turn_prose)', joined],
] as const;
console.log('per turn                                  calls  prompt tokens  answer chars');
for (const [label, calls] of rows) {
  console.log(
    `${label.padEnd(42)}${String(calls.length).padStart(5)}${String(promptTokens(calls)).padStart(15)}${(await answerChars(calls)).toFixed(0).padStart(14)}`,
  );
}
