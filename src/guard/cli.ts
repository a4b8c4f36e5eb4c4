import { runGuardCli } from './guard-cli.js';

process.exitCode = await runGuardCli(process.argv.slice(2));
