/**
 * `retouch webhooks add|list|remove|test|deliveries|callback-secret`: the webhook API through
 * the SDK (client.webhooks), for the workspace of the key in use.
 */
import type { Command } from 'commander';
import { WEBHOOK_TASK_EVENTS, type WebhookDelivery, type WebhookEventFilter } from '@retouch/sdk/protocol';
import { connect, withConnection, type ConnectionOptions } from './client-commands.js';
import { UsageError } from './exit.js';

const print = (json: boolean | undefined, value: unknown, text: () => string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);

function parseEvents(raw: string | undefined): WebhookEventFilter[] | undefined {
  if (raw === undefined) return undefined;
  const events = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of events) {
    if (e !== '*' && !(WEBHOOK_TASK_EVENTS as readonly string[]).includes(e)) {
      throw new UsageError(`unknown event "${e}": expected * or ${WEBHOOK_TASK_EVENTS.join(', ')}`);
    }
  }
  return events as WebhookEventFilter[];
}

function deliveryLine(d: WebhookDelivery): string {
  const last = d.attempt_log.at(-1);
  const outcome = last ? (last.status !== undefined ? `HTTP ${last.status}` : (last.error ?? '')) : 'not tried yet';
  const next = d.next_attempt_at ? `, next ${d.next_attempt_at}` : '';
  return `${d.id}  ${d.event_type.padEnd(14)} ${d.state.padEnd(9)} attempts ${d.attempts}  ${outcome}${last ? ` (${last.duration_ms} ms)` : ''}${next}${d.task_id ? `  task ${d.task_id}` : ''}`;
}

export function registerWebhookCommands(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('Manage webhook endpoints of your workspace and read their delivery log (docs/webhooks.md).')
    .addHelpText(
      'after',
      '\nExamples:\n  retouch webhooks add https://example.com/hooks --events task.succeeded,task.failed\n  retouch webhooks list\n  retouch webhooks test wh_…\n  retouch webhooks deliveries wh_… --limit 20\n',
    );

  withConnection(webhooks.command('add <url>').description('add an endpoint; prints its signing secret once'))
    .option('--events <list>', `comma-separated: * or ${WEBHOOK_TASK_EVENTS.join(', ')} (default *)`)
    .option('--description <text>', 'a note for yourself')
    .action(async (url: string, flags: ConnectionOptions & { events?: string; description?: string }) => {
      const created = await connect(flags).webhooks.create({ url, events: parseEvents(flags.events), description: flags.description });
      print(
        flags.json,
        created,
        () => `${created.id}  ${created.url}  events ${created.events.join(',')}\nsecret ${created.secret}  (shown once: store it now)`,
      );
    });

  withConnection(webhooks.command('list').description('list endpoints')).action(async (flags: ConnectionOptions) => {
    const list = await connect(flags).webhooks.list();
    print(flags.json, list, () =>
      list.length === 0
        ? 'no webhook endpoints'
        : list.map((e) => `${e.id}  ${e.url}  events ${e.events.join(',')}${e.description ? `  ${e.description}` : ''}`).join('\n'),
    );
  });

  withConnection(webhooks.command('remove <id>').description('remove an endpoint (pending deliveries are canceled)')).action(
    async (id: string, flags: ConnectionOptions) => {
      await connect(flags).webhooks.remove(id);
      print(flags.json, { removed: id }, () => `removed ${id}`);
    },
  );

  withConnection(webhooks.command('test <id>').description('send a webhook.test event')).action(async (id: string, flags: ConnectionOptions) => {
    const deliveryId = await connect(flags).webhooks.test(id);
    print(flags.json, { delivery_id: deliveryId }, () => `queued ${deliveryId}; see: retouch webhooks deliveries ${id}`);
  });

  withConnection(webhooks.command('deliveries <id>').description('the delivery log, newest first'))
    .option('--limit <n>', 'at most this many (1–200, default 50)')
    .action(async (id: string, flags: ConnectionOptions & { limit?: string }) => {
      const limit = flags.limit === undefined ? undefined : Number(flags.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 200)) throw new UsageError('--limit must be an integer between 1 and 200');
      const log = await connect(flags).webhooks.deliveries(id, { limit });
      print(flags.json, log, () => (log.length === 0 ? 'no deliveries yet' : log.map(deliveryLine).join('\n')));
    });

  withConnection(webhooks.command('callback-secret').description('the secret that signs per-task callbacks (X-Retouch-Callback-Url)')).action(
    async (flags: ConnectionOptions) => {
      const secret = await connect(flags).webhooks.callbackSecret();
      print(flags.json, { secret }, () => secret);
    },
  );
}
