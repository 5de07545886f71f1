/**
 * `retouch webhooks …` end to end: the built CLI (bin/retouch.js) against a real server and a
 * real receiver; JSON and text output, usage errors.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually, startReceiver, verify, type Receiver } from '../webhooks/receiver.js';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin/retouch.js'), ...args, '--server', server.url, '--key', server.key],
      { cwd: REPO_ROOT, env: { ...process.env, DASHSCOPE_API_KEY: '', RETOUCH_SERVER: '' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ RETOUCH_WEBHOOK_ALLOW: '127.0.0.1', RETOUCH_WEBHOOK_POLL_INTERVAL: '20ms' });
});

afterAll(async () => {
  await server?.close();
  await receiver?.stop();
});

describe('retouch webhooks', () => {
  it('add, list, test, deliveries, remove', async () => {
    const added = await cli(['webhooks', 'add', `${receiver.url}/cli`, '--events', 'task.succeeded,task.failed', '--description', 'from the CLI', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const endpoint = JSON.parse(added.stdout);
    expect(endpoint).toMatchObject({ url: `${receiver.url}/cli`, events: ['task.succeeded', 'task.failed'], description: 'from the CLI' });

    const listed = await cli(['webhooks', 'list']);
    expect(listed.stdout).toContain(endpoint.id);
    expect(listed.stdout).toContain('events task.succeeded,task.failed');

    const tested = await cli(['webhooks', 'test', endpoint.id, '--json']);
    const { delivery_id } = JSON.parse(tested.stdout);
    await receiver.until((r) => r.length >= 1);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(delivery_id);
    expect(verify(endpoint.secret, receiver.received[0]!).type).toBe('webhook.test');

    const log = await eventually(async () => {
      const res = await cli(['webhooks', 'deliveries', endpoint.id]);
      return res.stdout.includes('delivered') ? res.stdout : undefined;
    });
    expect(log).toMatch(new RegExp(`${delivery_id}\\s+webhook\\.test\\s+delivered\\s+attempts 1\\s+HTTP 200`));

    expect((await cli(['webhooks', 'remove', endpoint.id])).stdout).toContain(`removed ${endpoint.id}`);
    expect((await cli(['webhooks', 'list'])).stdout.trim()).toBe('no webhook endpoints');
  });

  it('reports errors from the server and usage errors', async () => {
    const refused = await cli(['webhooks', 'add', 'http://169.254.169.254/']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/InvalidURL/);
    const usage = await cli(['webhooks', 'add', receiver.url, '--events', 'task.exploded']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown event "task.exploded"/);
    const missing = await cli(['webhooks', 'remove', 'wh_nope']);
    expect(missing.stderr).toMatch(/NotFound/);
  });
});
