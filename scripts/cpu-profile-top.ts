import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Prints where a V8 CPU profile (`node --cpu-prof`, or the bench's NYX_BENCH_CPU_PROF) spent its
 * time: self time by function and by file, the top entries of each.
 *
 *   npx tsx scripts/cpu-profile-top.ts <file.cpuprofile> [top=25] [--from S] [--to S]
 *
 * `--from` and `--to` (seconds since the profile started) keep only the samples between them: one
 * phase of a bench run (`bench/sync-cost.ts` runs its phases one after another, 10 s each).
 *
 * `--under NAME=REGEX` (repeatable) also prints time by part of the program: each sample counts
 * under the first NAME whose REGEX matches a frame's URL, searching its stack from the root, so a
 * helper's time counts under whoever called it; samples no part matches count as idle, garbage
 * collection or `other`. For example `--under 'slow path=/slow-path|queue/in-process/'`.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { from: { type: 'string' }, to: { type: 'string' }, under: { type: 'string', multiple: true } },
});
const [file, topArg] = positionals;
const from = Number(values.from ?? 0) * 1e6;
const to = values.to === undefined ? Infinity : Number(values.to) * 1e6;
if (!file || Number.isNaN(from) || Number.isNaN(to)) {
  console.error('usage: cpu-profile-top <file.cpuprofile> [top] [--from seconds] [--to seconds] [--under NAME=REGEX ...]');
  process.exit(2);
}
const parts: Array<[string, RegExp]> = [];
for (const part of values.under ?? []) {
  const at = part.indexOf('=');
  if (at <= 0) {
    console.error(`--under ${part}: give NAME=REGEX`);
    process.exit(2);
  }
  parts.push([part.slice(0, at), new RegExp(part.slice(at + 1))]);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMs = new Map<number, number>();
let sampledAt = 0; // µs since the profile started
for (const [i, id] of profile.samples.entries()) {
  sampledAt += profile.timeDeltas[i] ?? 0;
  if (sampledAt < from || sampledAt > to) continue;
  selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
}
const total = [...selfMs.values()].reduce((a, b) => a + b, 0);

function tally(key: (node: ProfileNode) => string): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (node) sums.set(key(node), (sums.get(key(node)) ?? 0) + ms);
  }
  return [...sums.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
}
const shortUrl = (url: string) =>
  url.replace(/^file:\/\/.*?\/node_modules\//, 'node_modules/').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
const print = (title: string, rows: Array<[string, number]>) => {
  console.log(`\n${title} (of ${total.toFixed(0)} ms sampled)`);
  for (const [name, ms] of rows) console.log(`${ms.toFixed(0).padStart(8)} ms ${((ms / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
};
print(
  'self time by function',
  tally((n) => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`),
);
print(
  'self time by file',
  tally((n) => shortUrl(n.callFrame.url) || n.callFrame.functionName),
);

if (parts.length > 0) {
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const partOf = (id: number): string => {
    const stack: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push(byId.get(at)!);
    for (const node of stack.reverse()) for (const [name, pattern] of parts) if (pattern.test(node.callFrame.url)) return name;
    const { functionName } = byId.get(id)!.callFrame;
    return functionName === '(idle)' ? 'idle' : functionName === '(garbage collector)' ? 'garbage collection' : 'other';
  };
  const sums = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const part = partOf(id);
    sums.set(part, (sums.get(part) ?? 0) + ms);
  }
  print(
    'time by part, callees included',
    [...sums.entries()].sort((a, b) => b[1] - a[1]),
  );
}
