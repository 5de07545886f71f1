import type { Command } from 'commander';
import { ConfigError, type Config } from '../config.js';
import type { Finding } from '../doctor/check.js';
import { configFor } from './config.js';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** `retouch doctor`: what is wrong with this deployment and how to fix it. Exit 0 = no problem, 1 = problems. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check the configuration, the store, the blob store, fonts, ML models, upstream routes and clocks; print what is wrong and how to fix it. Exit code 0 when nothing failed, 1 otherwise.',
    )
    .option('--data-dir <dir>', 'data directory (RETOUCH_DATA_DIR, default ./data)')
    .option('--config <file>', 'routing table whose upstream routes to check (RETOUCH_CONFIG; docs/upstreams.md)')
    .option('--json', 'print {"ok": bool, "findings": [{check, status, summary, fix?}]}')
    .addHelpText('after', '\nExamples:\n  npx retouch doctor\n  RETOUCH_DATABASE_URL=postgres://db/retouch npx retouch doctor --json\n')
    .action(async (options: { dataDir?: string; config?: string; json?: boolean }) => {
      let config: Config | undefined;
      let problem: Finding | undefined;
      try {
        config = configFor({ dataDir: options.dataDir, config: options.config });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problem = { check: 'config', status: 'fail', summary: err.message, fix: 'fix that setting (docs/configuration.md lists every one with its format)' };
      }
      const { runDoctor } = await import('../doctor/index.js');
      const report = await runDoctor(config, problem);
      if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        for (const f of report.findings) {
          process.stdout.write(`${MARK[f.status]}  ${f.check.padEnd(8)} ${f.summary}\n`);
          if (f.fix) process.stdout.write(`      ${''.padEnd(8)} fix: ${f.fix}\n`);
        }
        const failed = report.findings.filter((f) => f.status === 'fail').length;
        const warned = report.findings.filter((f) => f.status === 'warn').length;
        process.stdout.write(report.ok ? `\nno problems found${warned ? ` (${warned} warning(s))` : ''}\n` : `\n${failed} problem(s) found\n`);
      }
      process.exitCode = report.ok ? 0 : 1;
    });
}
