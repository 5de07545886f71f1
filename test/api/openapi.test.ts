/**
 * The OpenAPI document: regenerated and compared with the checked-in docs/openapi.json (so it
 * cannot drift: run `npm run gen:openapi` after changing a route), validated by an OpenAPI 3.1
 * validator, served at /openapi.json, and real answers of a running server checked against the
 * schemas of the operations that produced them (ajv, JSON Schema 2020-12). The create-body schema
 * and the hand-written DashScope validator are checked to agree on generated bodies.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskRequest } from '../../src/api/routes/tasks-description.js';
import { isRequestProblem, validateCreateRequest } from '@retouch/sdk/protocol';
import { OPENAPI_PATH, renderOpenApi } from '../../scripts/gen-openapi.js';
import { call, createBody, createTask, imageDataUri, testImage, waitForStatus, type JsonResponse } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startReceiver, type Receiver } from '../webhooks/receiver.js';

const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));

describe('the OpenAPI document', () => {
  it('is up to date (npm run gen:openapi)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(renderOpenApi());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes the routes of every module', () => {
    const operations = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    for (const id of [
      'createTask',
      'getTask',
      'listTasks',
      'cancelTask',
      'openAiImageEdit',
      'adminListKeys',
      'adminCreateKey',
      'adminRevokeKey',
      'adminListWorkspaces',
      'adminUsage',
      'listWebhooks',
      'createWebhook',
      'deleteWebhook',
      'testWebhook',
      'listWebhookDeliveries',
      'healthz',
      'readyz',
      'metrics',
    ]) {
      expect(operations).toContain(id);
    }
  });
});

describe('the create-body schema agrees with the DashScope validator', () => {
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const body = fc.record(
    {
      model: fc.oneof(fc.constant('wan2.5-i2i-preview'), fc.constant(''), fc.integer()),
      input: fc.record(
        {
          prompt: fc.oneof(fc.string({ maxLength: 5 }), fc.constant('  '), fc.integer()),
          images: fc.oneof(fc.array(fc.oneof(fc.constant('data:image/png;base64,AA=='), fc.constant(' '), fc.integer()), { maxLength: 4 }), fc.constant('x')),
          negative_prompt: maybe(fc.oneof(fc.string({ maxLength: 3 }), fc.integer())),
        },
        { requiredKeys: [] },
      ),
      parameters: maybe(
        fc.record(
          {
            n: maybe(fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constant(1.5), fc.constant('2'))),
            seed: maybe(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant(2147483648), fc.constant(2147483647))),
            size: maybe(fc.constant('1280*1280')),
            prompt_extend: maybe(fc.oneof(fc.boolean(), fc.constant('yes'))),
            watermark: maybe(fc.oneof(fc.boolean(), fc.constant(0))),
            extra: maybe(fc.string()),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );

  it('on generated bodies', () => {
    fc.assert(
      fc.property(body, (b) => {
        const accepted = !isRequestProblem(validateCreateRequest(b));
        expect(createTaskRequest.safeParse(b).success).toBe(accepted);
      }),
      { numRuns: 2000, seed: 12 },
    );
  });
});

describe('real answers match the document', () => {
  let server: TestServer;
  let receiver: Receiver;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...document, $id: 'retouch-openapi' });

  /** Validates `res` against the schema of `operationId`'s response for res.status. */
  function conforms(operationId: string, res: JsonResponse): void {
    const operation = Object.values(document.paths as Record<string, Record<string, any>>)
      .flatMap((item) => Object.values(item))
      .find((op) => op.operationId === operationId);
    expect(operation, operationId).toBeTruthy();
    const response = operation.responses[String(res.status)];
    expect(response, `${operationId} documents status ${res.status}`).toBeTruthy();
    const ref: string = response.content['application/json'].schema.$ref;
    const validate = ajv.getSchema(`retouch-openapi${ref}`)!;
    const ok = validate(res.body);
    expect(validate.errors ?? [], `${operationId} ${res.status}: ${JSON.stringify(res.body)}`).toEqual([]);
    expect(ok).toBe(true);
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      RETOUCH_WEBHOOK_ALLOW: '127.0.0.1',
      RETOUCH_RATE_LIMIT_SUBMIT: '0',
      RETOUCH_RATE_LIMIT_QUERY: '0',
      RETOUCH_WORKER_CONCURRENCY: '1',
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.stop();
  });

  it('is served at /openapi.json', async () => {
    const res = await call(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(document);
  });

  it('task routes', async () => {
    const image = await imageDataUri();
    const key = server.key;
    const ok = await createTask(server.url, key, createBody([image], 'sleep=300', { n: 2 }));
    conforms('createTask', ok);
    const pending = await createTask(server.url, key, createBody([image], 'ok', { n: 1 }));
    conforms('getTask', await call(`${server.url}/api/v1/tasks/${pending.body.output.task_id}`, { key }));
    conforms('cancelTask', await call(`${server.url}/api/v1/tasks/${pending.body.output.task_id}/cancel`, { key, method: 'POST' }));
    conforms('cancelTask', await call(`${server.url}/api/v1/tasks/${pending.body.output.task_id}/cancel`, { key, method: 'POST' }));
    const failed = await createTask(server.url, key, createBody([image], 'fail=0', { n: 1 }));
    for (const t of [ok, failed]) conforms('getTask', await waitForStatus(server.url, key, t.body.output.task_id));
    conforms('getTask', await call(`${server.url}/api/v1/tasks/no-such-task`, { key }));
    conforms('listTasks', await call(`${server.url}/api/v1/tasks?page_size=5`, { key }));
    conforms('listTasks', await call(`${server.url}/api/v1/tasks?page_size=500`, { key }));
    conforms('createTask', await createTask(server.url, key, { model: 'retouch-test', input: { prompt: 'x' } }));
    conforms('createTask', await createTask(server.url, 'sk-wrong-key-0000', createBody([image], 'ok')));
    conforms('listModels', await call(`${server.url}/api/v1/models`, { key }));
    conforms('listModels', await call(`${server.url}/api/v1/models`));
    conforms('listModelsOpenAi', await call(`${server.url}/v1/models`, { key }));
  });

  it('webhook and operator routes', async () => {
    const key = server.key;
    const created = await call(`${server.url}/api/v1/webhooks`, { key, body: { url: receiver.url, events: ['task.succeeded'], description: 'docs' } });
    conforms('createWebhook', created);
    conforms('createWebhook', await call(`${server.url}/api/v1/webhooks`, { key, body: { url: 'http://10.0.0.1/' } }));
    conforms('createWebhook', await call(`${server.url}/api/v1/webhooks`, { key, body: { url: receiver.url, events: ['nope'] } }));
    conforms('listWebhooks', await call(`${server.url}/api/v1/webhooks`, { key }));
    conforms('testWebhook', await call(`${server.url}/api/v1/webhooks/${created.body.id}/test`, { key, method: 'POST' }));
    await receiver.until((r) => r.length >= 1);
    const image = await imageDataUri();
    const task = await createTask(server.url, key, createBody([image], 'ok', { n: 1 }), { 'X-Retouch-Callback-Url': `${receiver.url}/cb` });
    await waitForStatus(server.url, key, task.body.output.task_id);
    await receiver.until((r) => r.length >= 3);
    conforms('listWebhookDeliveries', await call(`${server.url}/api/v1/webhooks/${created.body.id}/deliveries`, { key }));
    conforms('listWebhookDeliveries', await call(`${server.url}/api/v1/webhooks/${created.body.id}/deliveries?limit=0`, { key }));
    conforms('getCallbackSecret', await call(`${server.url}/api/v1/webhooks/callback-secret`, { key }));
    conforms('deleteWebhook', await call(`${server.url}/api/v1/webhooks/${created.body.id}`, { key, method: 'DELETE' }));
    conforms('deleteWebhook', await call(`${server.url}/api/v1/webhooks/${created.body.id}`, { key, method: 'DELETE' }));
    conforms('listWebhooks', await call(`${server.url}/api/v1/webhooks`));
    conforms('healthz', await call(`${server.url}/healthz`));
    conforms('readyz', await call(`${server.url}/readyz`));
  });

  it('admin and OpenAI image routes', async () => {
    const key = server.key;
    const created = await call(`${server.url}/api/v1/admin/keys`, { key, body: { workspace_id: 'docs', name: 'openapi' } });
    conforms('adminCreateKey', created);
    conforms('adminCreateKey', await call(`${server.url}/api/v1/admin/keys`, { key, body: { admin: 'yes' } }));
    conforms('adminListKeys', await call(`${server.url}/api/v1/admin/keys?workspace_id=docs`, { key }));
    conforms('adminListKeys', await call(`${server.url}/api/v1/admin/keys`, { key: created.body.data.secret }));
    conforms('adminListWorkspaces', await call(`${server.url}/api/v1/admin/workspaces`, { key }));
    conforms('adminUsage', await call(`${server.url}/api/v1/admin/usage`, { key }));
    conforms('adminUsage', await call(`${server.url}/api/v1/admin/usage?start_date=2026-13-01`, { key }));
    conforms('adminRevokeKey', await call(`${server.url}/api/v1/admin/keys/${created.body.data.id}`, { key, method: 'DELETE' }));
    conforms('adminRevokeKey', await call(`${server.url}/api/v1/admin/keys/${created.body.data.id}`, { key, method: 'DELETE' }));

    const edit = async (fields: Record<string, string>, withImage = true): Promise<JsonResponse> => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      if (withImage) form.append('image', new Blob([new Uint8Array(await testImage())], { type: 'image/png' }), 'in.png');
      const res = await fetch(`${server.url}/v1/images/edits`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
      return { status: res.status, headers: res.headers, body: await res.json() };
    };
    const ok = await edit({ model: 'retouch-test', prompt: 'ok', response_format: 'b64_json' });
    expect(ok.status).toBe(200);
    conforms('openAiImageEdit', ok);
    conforms('openAiImageEdit', await edit({ model: 'retouch-test', prompt: 'ok' }, false));
    conforms('openAiImageEdit', await edit({ model: 'no-such-model', prompt: 'ok' }));
    conforms('openAiImageEdit', await edit({ model: 'retouch-test', prompt: 'fail=0' }));
  });
});
