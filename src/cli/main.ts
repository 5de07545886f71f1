/**
 * The `retouch` command line. `serve` runs the service; `keys` and `signing-key` manage
 * credentials in the data dir (they open the same SQLite file, so they work while the
 * server runs); `edit` and `tasks` are clients of a server (through the SDK), or with
 * `edit --local` of the built-in engine in-process. Server modules are imported lazily, so
 * the client commands start without loading SQLite, sharp or the ML runtimes.
 */
import cluster from 'node:cluster';
import { Command, CommanderError } from 'commander';
import { ConfigError, type ConfigOverrides } from '../config.js';
import { DashScopeError } from '@retouch/sdk';
import { registerBackupCommands } from './backup.js';
import { registerClientCommands } from './client-commands.js';
import { registerDoctorCommand } from './doctor.js';
import { ExitCode, UsageError } from './exit.js';
import { registerKeyCommands } from './keys.js';
import { registerServeCommand } from './serve.js';
import { registerWebhookCommands } from './webhooks.js';

export interface GlobalOptions extends ConfigOverrides {}

export function buildProgram(): Command {
  const program = new Command('retouch')
    .description('Self-hosted image editing with the DashScope Wan 2.5 image-edit task protocol.')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      '\nExamples:\n  npx retouch serve --port 8080\n  npx retouch edit photo.jpg -p "convert to black and white" -n 1 -o out/\n  npx retouch tasks list --json\n  npx retouch keys create --workspace team-a\n\nRun `retouch <command> --help` for each command\'s options and examples.\n',
    );
  registerServeCommand(program);
  registerKeyCommands(program);
  registerClientCommands(program);
  registerWebhookCommands(program);
  registerBackupCommands(program);
  registerDoctorCommand(program);
  return program;
}

export async function run(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof UsageError) {
      console.error(`retouch: ${err.message}`);
      process.exitCode = ExitCode.usage;
      return;
    }
    if (err instanceof DashScopeError) {
      console.error(`retouch: ${err.code}: ${err.message}${err.requestId ? ` (request_id ${err.requestId})` : ''}`);
      process.exitCode = ExitCode.error;
      return;
    }
    if (err instanceof ConfigError) {
      console.error(`retouch: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    console.error(`retouch: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    // A failed `serve --processes` child: its IPC channel to the primary would keep it alive.
    if (cluster.isWorker && process.exitCode) process.exit();
  }
}
