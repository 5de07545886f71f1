import type { Command } from 'commander';
import { configFor } from './config.js';
import { UsageError } from './exit.js';

interface DataDirOption {
  dataDir?: string;
}

/** `retouch backup` / `retouch restore`: the embedded store and its blobs (db/sqlite/backup.ts, through backends.ts). */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup <target>')
    .description(
      'Back up the data dir (SQLite database, signing keys, the images it refers to) while the server runs. <target>: a new empty directory, or a file ending in .tar.gz / .tar.',
    )
    .option('--data-dir <dir>', 'data directory (RETOUCH_DATA_DIR, default ./data)')
    .option('--json', 'print the backup manifest as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  npx retouch backup backups/retouch-$(date +%F).tar.gz\n  npx retouch backup /srv/backups/today --data-dir /var/lib/retouch\n',
    )
    .action(async (target: string, options: DataDirOption & { json?: boolean }) => {
      const config = configFor(options);
      if (config.databaseUrl || config.s3) {
        throw new UsageError(
          'backup covers the embedded store (SQLite and images in the data dir). With RETOUCH_DATABASE_URL use pg_dump; with RETOUCH_S3_BUCKET your object store\'s versioning or replication (docs/deployment.md, "Backups")',
        );
      }
      const { backupEmbeddedStore } = await import('../backends.js');
      const manifest = await backupEmbeddedStore(config.dataDir, target);
      if (options.json) process.stdout.write(`${JSON.stringify(manifest)}\n`);
      else {
        process.stdout.write(
          `backed up ${config.dataDir} to ${target}: schema version ${manifest.schemaVersion}, ${manifest.tasks} task(s), ${manifest.blobs} image(s)` +
            (manifest.missing ? `; ${manifest.missing} image(s) expired while the backup ran (their tasks are reaped on restore)` : '') +
            '\n',
        );
      }
    });

  program
    .command('restore <source>')
    .description(
      'Restore a backup made by `retouch backup` into a new (empty or absent) data dir; start `retouch serve` on it afterwards (an older schema is migrated forward then).',
    )
    .option('--data-dir <dir>', 'data directory to create (RETOUCH_DATA_DIR, default ./data)')
    .addHelpText('after', '\nExamples:\n  npx retouch restore backups/retouch-2026-12-01.tar.gz --data-dir ./data\n')
    .action(async (source: string, options: DataDirOption) => {
      const config = configFor(options);
      const { restoreEmbeddedStore } = await import('../backends.js');
      const manifest = await restoreEmbeddedStore(source, config.dataDir);
      process.stdout.write(`restored ${source} (taken ${manifest.createdAt}, ${manifest.tasks} task(s), ${manifest.blobs} image(s)) into ${config.dataDir}\n`);
    });
}
