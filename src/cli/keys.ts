import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_WORKSPACE, type KeyStore } from '../auth/key-store.js';
import type { Config } from '../config.js';
import { configFor } from './config.js';
import { UsageError } from './exit.js';

interface DataDirOption {
  dataDir?: string;
}

/**
 * The embedded store's database must be there for commands that read it: a wrong --data-dir (or
 * working directory) is said as such, instead of an empty database made on the spot (list) or a
 * failed write in a directory that is not there (rotate-signing-key).
 */
function requireEmbeddedDatabase(config: Config): void {
  const db = join(config.dataDir, 'retouch.db');
  if (!config.databaseUrl && !existsSync(db)) {
    throw new Error(`no retouch database in ${config.dataDir} (expected ${db}): pass the server's --data-dir or RETOUCH_DATA_DIR`);
  }
}

/** `existing`: the database must exist already (every command but `keys create`, which may come first). */
async function withKeys<T>(options: DataDirOption, fn: (keys: KeyStore) => Promise<T>, existing = true): Promise<T> {
  const config = configFor(options);
  if (existing) requireEmbeddedDatabase(config);
  // Imported here so that client commands never load SQLite (or pg).
  const { withKeyStore } = await import('../backends.js');
  return withKeyStore(config, fn);
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Manage API keys and the workspaces they belong to.');

  keys
    .command('create')
    .description('Create an API key (printed once; only its hash is stored).')
    .option('--workspace <id>', 'workspace the key belongs to', DEFAULT_WORKSPACE)
    .option('--name <name>', 'a label for listings', '')
    .option('--admin', 'an admin key: may also use the admin API and the console admin pages')
    .option('--data-dir <dir>', 'data directory (RETOUCH_DATA_DIR, default ./data)')
    .option('--json', 'print JSON')
    .action(async (options: DataDirOption & { workspace: string; name: string; admin?: boolean; json?: boolean }) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.workspace)) throw new UsageError('workspace ids are 1-64 letters, digits, "_" or "-"');
      const { secret, info } = await withKeys(
        options,
        (store) => store.create({ workspaceId: options.workspace, name: options.name, admin: options.admin === true, now: Date.now() }),
        false,
      );
      if (options.json) process.stdout.write(`${JSON.stringify({ ...info, secret })}\n`);
      else process.stdout.write(`${secret}\n(id ${info.id}, workspace ${info.workspaceId}${info.admin ? ', admin' : ''})\n`);
    });

  keys
    .command('list')
    .description('List API keys (ids and hints, never the keys).')
    .option('--data-dir <dir>', 'data directory (RETOUCH_DATA_DIR, default ./data)')
    .option('--json', 'print JSON')
    .action(async (options: DataDirOption & { json?: boolean }) => {
      const all = await withKeys(options, (store) => store.list());
      if (options.json) {
        process.stdout.write(`${JSON.stringify(all)}\n`);
        return;
      }
      for (const k of all) {
        const state = k.revokedAt === undefined ? 'active' : `revoked ${new Date(k.revokedAt).toISOString()}`;
        process.stdout.write(
          `${k.id}\t${k.workspaceId}\t${k.hint}\t${new Date(k.createdAt).toISOString()}\t${state}\t${k.admin ? 'admin' : 'user'}\t${k.name}\n`,
        );
      }
    });

  keys
    .command('revoke <id>')
    .description('Revoke an API key by id; requests with it are refused at once.')
    .option('--data-dir <dir>', 'data directory (RETOUCH_DATA_DIR, default ./data)')
    .action(async (id: string, options: DataDirOption) => {
      const done = await withKeys(options, (store) => store.revoke(id, Date.now()));
      if (!done) throw new Error(`no active key with id ${id}`);
      process.stdout.write(`revoked ${id}\n`);
    });

  program
    .command('rotate-signing-key')
    .description('Start signing result URLs with a new key; links signed before stay valid until they expire. Restart the server to apply.')
    .option('--data-dir <dir>', 'data directory (RETOUCH_DATA_DIR, default ./data)')
    .action(async (options: DataDirOption) => {
      const config = configFor(options);
      // The embedded store's signing keys sit next to its database.
      requireEmbeddedDatabase(config);
      const keepMs = config.retentionMs + config.resultUrlTtlMs;
      // Multi-node: the keys live in the shared database; restart the API nodes to apply.
      const { rotateConfiguredSigningKeys } = await import('../backends.js');
      const keys = await rotateConfiguredSigningKeys(config, Date.now(), keepMs);
      process.stdout.write(`signing with ${keys[keys.length - 1]!.id}; ${keys.length} key(s) kept for verification\n`);
    });
}
