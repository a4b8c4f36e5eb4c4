import { describeFinding, FIX_ADVICE, type Finding, type GuardReport, type SourceLocation } from './findings.js';

const RULES = {
  import: {
    id: 'nyx/hot-path-imports-sink',
    name: 'HotPathImportsSink',
    description: 'A hot-path module reaches a sink module through its runtime imports.',
  },
  call: {
    id: 'nyx/hot-path-calls-sink',
    name: 'HotPathCallsSink',
    description: 'A hot-path operation reaches a model call or a call into a sink module.',
  },
  blocking: {
    id: 'nyx/hot-path-blocks',
    name: 'HotPathBlocks',
    description: 'A hot-path operation reaches outbound HTTP, a wait for a queue job, a synchronous child process or Atomics.wait.',
  },
  unresolved: {
    id: 'nyx/hot-path-unresolved-load',
    name: 'HotPathUnresolvedLoad',
    description: 'A hot-path operation reaches an import() of a computed path, require or createRequire, which the guard cannot follow.',
  },
} as const;

const RULE_ORDER = ['import', 'call', 'blocking', 'unresolved'] as const;

function physicalLocation({ file, line, column }: SourceLocation) {
  return {
    artifactLocation: { uri: file, uriBaseId: '%SRCROOT%' },
    region: { startLine: line, startColumn: column },
  };
}

/** Call chains start at the operation's declaration; the line to change is the first call in it. */
function primaryLocation(finding: Finding): SourceLocation {
  const index = finding.kind === 'import' ? 0 : Math.min(1, finding.chain.length - 1);
  return finding.chain[index]!;
}

function toResult(finding: Finding) {
  return {
    ruleId: RULES[finding.kind].id,
    ruleIndex: RULE_ORDER.indexOf(finding.kind),
    level: 'error',
    message: { text: describeFinding(finding) },
    locations: [{ physicalLocation: physicalLocation(primaryLocation(finding)) }],
    relatedLocations: [{ id: 1, physicalLocation: physicalLocation(finding.sink), message: { text: `sink ${finding.sink.name}` } }],
    codeFlows: [
      {
        threadFlows: [
          {
            locations: finding.chain.map((hop) => ({
              location: { physicalLocation: physicalLocation(hop), message: { text: hop.step } },
            })),
          },
        ],
      },
    ],
  };
}

/** SARIF 2.1.0, one result per finding, ready for GitHub code scanning. */
export function renderSarif(report: GuardReport, rootUri: string): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'nyx-guard',
            rules: RULE_ORDER.map((kind) => ({
              id: RULES[kind].id,
              name: RULES[kind].name,
              shortDescription: { text: RULES[kind].description },
              help: { text: `Fix: ${FIX_ADVICE.join('; ')}.` },
              defaultConfiguration: { level: 'error' },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: rootUri } },
        results: report.findings.map(toResult),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
