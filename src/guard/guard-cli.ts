import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCliOptions, processIo, withUsageErrors, type CliIo } from './cli-io.js';
import { loadGuardConfig } from './config.js';
import { GuardUsageError } from './errors.js';
import type { GuardReport } from './findings.js';
import { runGuard } from './guard.js';
import { renderSarif } from './sarif-report.js';
import { renderText } from './text-report.js';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

function render(report: GuardReport, format: Format, root: string): string {
  if (format === 'sarif') return renderSarif(report, pathToFileURL(`${root}${path.sep}`).href);
  if (format === 'json') return `${JSON.stringify({ ok: report.findings.length === 0, ...report }, null, 2)}\n`;
  return renderText(report);
}

/**
 * `nyx guard [--config <file>] [--cwd <dir>] [--format text|json|sarif]`: exit 0 when no hot-path
 * code reaches a sink, 1 when some does, 2 on a usage or configuration error.
 */
export function runGuardCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  return withUsageErrors('guard', io, async () => {
    const options = parseCliOptions('guard', argv, {
      config: { type: 'string' },
      cwd: { type: 'string' },
      format: { type: 'string', default: 'text' },
    });
    const format = options.format as Format;
    if (!FORMATS.includes(format)) throw new GuardUsageError(`nyx guard: --format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    const root = path.resolve(io.cwd, options.cwd ?? '.');
    const report = await runGuard(loadGuardConfig(root, options.config));
    io.stdout.write(render(report, format, root));
    return report.findings.length === 0 ? 0 : 1;
  });
}
