import { describeFinding, FIX_ADVICE, type Finding, type GuardReport } from './findings.js';

const position = ({ file, line, column }: { file: string; line: number; column: number }) => `${file}:${line}:${column}`;

function renderFinding(finding: Finding): string {
  const hops = finding.chain.map((hop) => `    ${position(hop).padEnd(40)} ${hop.step}`);
  const sinkAt = finding.kind === 'import' ? finding.sink.file : `${position(finding.sink)} ${finding.sink.name}`;
  return [
    `✖ [${finding.kind}] ${describeFinding(finding)}`,
    ...hops,
    finding.kind === 'call' || finding.kind === 'import'
      ? `  sink: ${sinkAt} (matches ${finding.sink.pattern})`
      : `  ${finding.kind}: ${sinkAt} (${finding.sink.pattern})`,
    `  fix: ${FIX_ADVICE.join('; ')}`,
  ].join('\n');
}

export function renderText(report: GuardReport): string {
  const operations = report.modules.reduce((count, module) => count + module.operations.length, 0);
  const checked = `${report.modules.length} hot-path modules, ${operations} operations; config: ${report.configSource}`;
  if (report.findings.length === 0) return `nyx guard: no hot-path code reaches a sink (${checked})\n`;
  return [
    `nyx guard: ${report.findings.length} hot-path violation(s) (${checked})`,
    `  hot path: ${report.hotPath.join(', ')}`,
    `  sinks:    ${report.sinks.join(', ')}`,
    '',
    ...report.findings.map((finding) => `${renderFinding(finding)}\n`),
    'The hot path must never wait for a model. See docs/hot_path_blockers.md (`nyx audit`).',
    '',
  ].join('\n');
}
