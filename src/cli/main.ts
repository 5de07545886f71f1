/**
 * The `retouch` command line. `serve` runs the service; `keys` and `signing-key` manage
 * credentials in the data dir (they open the same SQLite file, so they work while the
 * server runs).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type ConfigOverrides } from '../config.js';
import { registerKeyCommands } from './keys.js';
import { registerServeCommand } from './serve.js';

export interface GlobalOptions extends ConfigOverrides {}

export function buildProgram(): Command {
  const program = new Command('retouch')
    .description('Self-hosted image editing with the DashScope Wan 2.5 image-edit task protocol.')
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerKeyCommands(program);
  return program;
}

/** Reads config for a command: CLI flags over RETOUCH_* environment variables. */
export function configFor(overrides: ConfigOverrides) {
  return loadConfig(process.env, overrides);
}

export async function run(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof ConfigError) {
      console.error(`retouch: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    console.error(`retouch: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
