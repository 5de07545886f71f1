import type { Command } from 'commander';
import { isClusterChild, reportReady, runPrimary } from './cluster.js';
import { configFor } from './config.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the service: API and workers in one process (default), or one role of a multi-node deployment.')
    .option(
      '--role <role>',
      'all (default), api (HTTP only, no edits) or worker (edits only, no HTTP port); api and worker need RETOUCH_DATABASE_URL (RETOUCH_ROLE)',
    )
    .option('--host <host>', 'address to listen on (RETOUCH_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (RETOUCH_PORT, default 8080)')
    .option(
      '--processes <n>',
      'processes serving this node on one port, e.g. one per core (RETOUCH_PROCESSES, default 1); more than 1 needs RETOUCH_DATABASE_URL',
    )
    .option('--data-dir <dir>', 'where the database and images live (RETOUCH_DATA_DIR, default ./data)')
    .option('--config <file>', 'routing table: model names → engines and upstreams, JSON or YAML (RETOUCH_CONFIG; see docs/upstreams.md)')
    .addHelpText(
      'after',
      '\nExamples:\n  npx retouch serve --port 8080 --data-dir ./data\n  RETOUCH_DATABASE_URL=postgres://db/retouch RETOUCH_S3_BUCKET=results npx retouch serve --role worker\n  DASHSCOPE_API_KEY=sk-… npx retouch serve --config routes.yaml\n',
    )
    .action(async (options: { role?: string; host?: string; port?: string; processes?: string; dataDir?: string; config?: string }) => {
      const config = configFor(options);
      // Fixed first words: scripts and tests wait for these lines.
      const where = config.databaseUrl ? 'shared database' : `data in ${config.dataDir}`;
      const readyLine = (url: string) =>
        config.role === 'worker'
          ? `retouch worker ready (${where}${config.processes > 1 ? `, ${config.processes} processes` : ''})`
          : `retouch listening on ${url} (${config.role === 'api' ? 'api only, ' : ''}${config.processes > 1 ? `${config.processes} processes, ` : ''}${where})`;
      const child = isClusterChild();
      if (config.processes > 1 && !child) return runPrimary(config.processes, readyLine, config.shutdownGraceMs);
      const { startServer } = await import('../main.js');
      const server = await startServer(config, {
        onKeyCreated: (secret) => {
          process.stdout.write(
            `\nCreated an API key for the default workspace (shown once; only its hash is stored):\n\n  ${secret}\n\n` +
              'Use it as "Authorization: Bearer <key>". Manage keys with `npx retouch keys`.\n\n',
          );
        },
      });
      if (child) reportReady(server.url);
      else process.stdout.write(`${readyLine(server.url)}\n`);
      let signals = 0;
      const shutdown = (signal: NodeJS.Signals) => {
        signals++;
        // A child may get a signal twice (Ctrl-C reaches the whole group, and the primary
        // forwards it): the primary escalates, not the child.
        if (signals > 1 && child) return;
        if (signals > 1) {
          process.stderr.write(`retouch: ${signal} again, exiting now\n`);
          process.exit(130);
        }
        process.stdout.write(`retouch: ${signal} received, draining (up to ${config.shutdownGraceMs} ms)\n`);
        server.close().then(
          () => process.exit(0),
          (err) => {
            process.stderr.write(`retouch: shutdown failed: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
    });
}
