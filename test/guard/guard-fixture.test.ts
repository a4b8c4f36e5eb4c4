import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeFinding, type Finding, type GuardReport } from '../../src/guard/findings.js';
import { runGuardCli } from '../../src/guard/index.js';
import { guardFixture, runCaptured } from './support.js';

// Each run builds a TypeScript program and a dependency graph: slow on a busy machine.
const ANALYSIS_TIMEOUT = 180_000;

const summary = (finding: Finding) => [finding.kind, finding.entry.file, finding.entry.operation ?? '-', finding.sink.file].join(' ');

describe('nyx guard on the fixture project', () => {
  let code: number;
  let report: GuardReport;

  beforeAll(async () => {
    const run = await runCaptured(runGuardCli, ['--cwd', guardFixture, '--format', 'json']);
    code = run.code;
    report = JSON.parse(run.stdout) as GuardReport;
  }, ANALYSIS_TIMEOUT);

  it('fails with exit code 1', () => {
    expect(code).toBe(1);
  });

  it('finds every planted violation, by entry and sink, and nothing else', () => {
    expect(report.findings.map(summary).sort()).toEqual(
      [
        'blocking src/hot/block-event-loop.ts holdTheLoop src/hot/block-event-loop.ts',
        'blocking src/hot/block-event-loop.ts holdTheLoop src/hot/block-event-loop.ts',
        'blocking src/hot/fetch-completions.ts answerOverHttp src/hot/fetch-completions.ts',
        'blocking src/hot/wait-for-job.ts answerAfterJob src/hot/wait-for-job.ts',
        'call src/hot/ai-sdk-route.ts answerWithSdk ../../../node_modules/ai/dist/index.d.ts',
        'call src/hot/callback.ts answerInCallback src/llm/client.ts',
        'call src/hot/context-callback.ts stakeholdersHotPath.handlers.player_choice src/llm/client.ts',
        'call src/hot/direct.ts answerDirectly src/llm/client.ts',
        'call src/hot/dynamic-import.ts answerLazily src/llm/client.ts',
        'call src/hot/emitter.ts announceChoice src/llm/client.ts',
        'call src/hot/registry-lookup.ts answerFromRegistry src/llm/client.ts',
        'call src/hot/subsystem-handler.ts tensionHotPath.handlers.state_sync src/llm/client.ts',
        'call src/hot/via-helper.ts answerViaHelper src/llm/client.ts',
        'call src/hot/via-interface.ts Narrator.narrate src/llm/echo-model.ts',
        'call src/hot/via-reexport.ts answerViaReexport src/llm/client.ts',
        'import src/hot/ai-sdk-route.ts - ../../../node_modules/ai/dist/index.js',
        'import src/hot/callback.ts - src/llm/client.ts',
        'import src/hot/direct.ts - src/llm/client.ts',
        'import src/hot/dynamic-import.ts - src/llm/client.ts',
        'import src/hot/subsystem-handler.ts - src/llm/client.ts',
        'import src/hot/via-helper.ts - src/llm/client.ts',
        'import src/hot/via-reexport.ts - src/llm/client.ts',
        'unresolved src/hot/ai-sdk-require.ts answerWithRequiredSdk src/hot/ai-sdk-require.ts',
        'unresolved src/hot/computed-import.ts answerFromAnywhere src/hot/computed-import.ts',
      ].sort(),
    );
  });

  // The ways found to make a hot-path request wait for a model or hold the event loop. Each must
  // stay caught, by a finding that names the planted file and the road to the sink. The runtime
  // guard's side of the same table is in test/runtime/hot-path.test.ts.
  const techniques: Array<[technique: string, file: string, kind: Finding['kind'], road: RegExp]> = [
    ['static import of the model client, called in a handler-map method', 'src/hot/subsystem-handler.ts', 'call', /^calls generate\(\)$/],
    ['import() of a computed path', 'src/hot/computed-import.ts', 'unresolved', /^loads a module with import\(target\)$/],
    [
      'model function in a registry filled by slow-path code, looked up by string',
      'src/hot/registry-lookup.ts',
      'call',
      /looks up "narrate" in models, registered at src\/slow\/register-models\.ts:4/,
    ],
    [
      'typed context callback wired in the composition root',
      'src/hot/context-callback.ts',
      'call',
      /calls ctx\.narrate\(\), wired at src\/app\/compose\.ts:7/,
    ],
    [
      'EventEmitter: slow-path listener, hot-path emit',
      'src/hot/emitter.ts',
      'call',
      /emits "choice" on gameEvents, registered at src\/slow\/listeners\.ts:4/,
    ],
    ['the AI SDK imported and called in a route', 'src/hot/ai-sdk-route.ts', 'call', /^calls generateText\(\)$/],
    ['the AI SDK through createRequire', 'src/hot/ai-sdk-require.ts', 'unresolved', /createRequire\(import\.meta\.url\)/],
    ['fetch() to /v1/chat/completions', 'src/hot/fetch-completions.ts', 'blocking', /^calls fetch\(\)$/],
    ['dispatch, then wait for the job', 'src/hot/wait-for-job.ts', 'blocking', /^calls queue\.waitForJob\(\)$/],
    ['Atomics.wait and execSync', 'src/hot/block-event-loop.ts', 'blocking', /^calls (Atomics\.wait|execSync)\(\)$/],
  ];

  it.each(techniques)('catches %s (%s), naming the file and the road', (_technique, file, kind, road) => {
    const caught = report.findings.filter((finding) => finding.entry.file === file && finding.kind === kind);
    expect(caught, `${kind} finding for ${file}`).not.toHaveLength(0);
    for (const finding of caught) {
      expect(finding.chain[0]!.file).toBe(file);
      expect(
        finding.chain
          .slice(1)
          .map((hop) => hop.step)
          .join(' > '),
      ).toMatch(road);
      expect(describeFinding(finding)).toContain(file);
    }
  });

  it('has no planted file that passes: every hot module is either caught or a known clean one', () => {
    const clean = new Set(['src/hot/type-only.ts', 'src/hot/dispatch.ts', 'src/hot/model-data.ts']);
    const caught = new Set(report.findings.map((finding) => finding.entry.file));
    const passing = report.modules.map((module) => module.file).filter((file) => !clean.has(file) && !caught.has(file));
    expect(passing).toEqual([]);
  });

  it('does not report a type-only import, a task dispatched by name or a read of a sink-implemented field', () => {
    const passing = ['src/hot/type-only.ts', 'src/hot/dispatch.ts', 'src/hot/model-data.ts'];
    const reported = new Set(report.findings.map((finding) => finding.entry.file));
    for (const file of passing) expect(reported).not.toContain(file);
    // They were analysed, not skipped.
    expect(report.modules.map((module) => module.file)).toEqual(expect.arrayContaining(passing));
  });

  const find = (kind: Finding['kind'], entryFile: string) => {
    const finding = report.findings.find((candidate) => candidate.kind === kind && candidate.entry.file === entryFile);
    expect(finding, `${kind} finding for ${entryFile}`).toBeDefined();
    return finding!;
  };

  it('gives file:line for every hop of a call chain through a helper', () => {
    const { chain, sink } = find('call', 'src/hot/via-helper.ts');
    expect(chain.map((hop) => `${hop.file}:${hop.line}`)).toEqual([
      'src/hot/via-helper.ts:3',
      'src/hot/via-helper.ts:5',
      'src/lib/helper.ts:4',
    ]);
    expect(chain[1]!.step).toBe('calls summarize()');
    expect(sink).toMatchObject({ file: 'src/llm/client.ts', line: 6, name: 'generate', pattern: 'src/llm/**' });
  });

  it('follows a call through an interface to the implementing class', () => {
    const { chain, sink } = find('call', 'src/hot/via-interface.ts');
    expect(chain.at(-1)).toMatchObject({ file: 'src/hot/via-interface.ts', line: 7 });
    expect(chain.at(-1)!.step).toContain('implemented by EchoModel.generate');
    expect(sink).toMatchObject({ name: 'EchoModel.generate', line: 5 });
  });

  it('says when the model call sits in a callback handed to the hot path', () => {
    expect(find('call', 'src/hot/callback.ts').chain.at(-1)!.step).toBe('calls llm.generate() in the callback passed to hotPath()');
  });

  it('resolves re-exports and dynamic imports to the sink', () => {
    expect(find('call', 'src/hot/via-reexport.ts').sink.name).toBe('generate');
    expect(find('call', 'src/hot/dynamic-import.ts').sink.name).toBe('generate');
    expect(find('import', 'src/hot/dynamic-import.ts').chain[0]).toMatchObject({
      line: 2,
      step: 'dynamically imports ../llm/client.js (src/llm/client.ts)',
    });
    expect(find('import', 'src/hot/via-reexport.ts').chain.map((hop) => hop.file)).toEqual([
      'src/hot/via-reexport.ts',
      'src/lib/reexport.ts',
    ]);
  });

  it('lists the exported operations of every hot module', () => {
    const operations = Object.fromEntries(
      report.modules.map((module) => [module.file, module.operations.map((operation) => operation.name)]),
    );
    expect(operations['src/hot/via-interface.ts']).toEqual(['Narrator.constructor', 'Narrator.narrate']);
    expect(operations['src/hot/dispatch.ts']).toEqual(['requestAnswer']);
    expect(operations['src/hot/subsystem-handler.ts']).toEqual(['tensionHotPath.handlers.state_sync']);
    expect(Object.keys(operations)).toHaveLength(19);
  });
});

describe('nyx guard output formats and exit codes', () => {
  it(
    'prints each violation with its chain, the sink call and the fix in text format',
    async () => {
      const { code, stdout } = await runCaptured(runGuardCli, ['--cwd', guardFixture]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/^nyx guard: 24 hot-path violation\(s\)/);
      expect(stdout).toContain('src/lib/helper.ts:4:10');
      expect(stdout).toContain('sink: src/llm/client.ts:6:1 generate (matches src/llm/**)');
      expect(stdout.match(/ {2}fix: dispatch a task by name/g)).toHaveLength(24);
    },
    ANALYSIS_TIMEOUT,
  );

  it(
    'emits SARIF 2.1.0 with one result per violation, each with a location and a code flow',
    async () => {
      const { code, stdout } = await runCaptured(runGuardCli, ['--cwd', guardFixture, '--format', 'sarif']);
      expect(code).toBe(1);
      const sarif = JSON.parse(stdout);
      expect(sarif.version).toBe('2.1.0');
      expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
      const [run] = sarif.runs;
      expect(run.tool.driver.name).toBe('nyx-guard');
      expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual([
        'nyx/hot-path-imports-sink',
        'nyx/hot-path-calls-sink',
        'nyx/hot-path-blocks',
        'nyx/hot-path-unresolved-load',
      ]);
      expect(run.results).toHaveLength(24);
      for (const result of run.results) {
        expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
        expect(result.level).toBe('error');
        expect(result.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^src\/hot\//);
        expect(result.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
        expect(result.codeFlows[0].threadFlows[0].locations.length).toBeGreaterThan(0);
      }
      const helper = run.results.find(
        (result: { ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) =>
          result.ruleId === 'nyx/hot-path-calls-sink' &&
          result.locations[0]!.physicalLocation.artifactLocation.uri === 'src/hot/via-helper.ts',
      );
      expect(helper.locations[0].physicalLocation.region.startLine).toBe(5);
      const flow = helper.codeFlows[0].threadFlows[0].locations.map(
        (step: { location: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } } }) =>
          `${step.location.physicalLocation.artifactLocation.uri}:${step.location.physicalLocation.region.startLine}`,
      );
      expect(flow).toEqual(['src/hot/via-helper.ts:3', 'src/hot/via-helper.ts:5', 'src/lib/helper.ts:4']);
    },
    ANALYSIS_TIMEOUT,
  );

  it(
    'exits 0 on a config whose hot path is only the type-only and dispatch modules',
    async () => {
      const { code, stdout } = await runCaptured(runGuardCli, ['--cwd', guardFixture, '--config', 'nyx-guard.clean.config.json']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^nyx guard: no hot-path code reaches a sink \(2 hot-path modules, 2 operations/);
    },
    ANALYSIS_TIMEOUT,
  );

  it('exits 2 with one line naming the problem on a bad config, a missing file or a bad option', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nyx-guard-cli-'));
    const badConfig = path.join(dir, 'bad.json');
    writeFileSync(badConfig, JSON.stringify({ hotPath: [], sinks: ['src/llm/**'] }));

    const bad = await runCaptured(runGuardCli, ['--cwd', guardFixture, '--config', badConfig]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      new RegExp(`^${badConfig.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: hotPath: list at least one hot-path glob\n$`),
    );

    const missing = await runCaptured(runGuardCli, ['--cwd', guardFixture, '--config', 'missing.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^--config: .*missing\.json does not exist\n$/);

    const format = await runCaptured(runGuardCli, ['--cwd', guardFixture, '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toBe('nyx guard: --format must be one of text, json, sarif, got "xml"\n');

    const unknown = await runCaptured(runGuardCli, ['--verbose']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^nyx guard: Unknown option '--verbose'/);
    expect(unknown.stdout).toBe('');
  });
});
