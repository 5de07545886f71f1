/**
 * The temporary-upload flow replayed exactly as the official Python SDK performs it
 * (protocol.md §6.2, dashscope/utils/oss_utils.py): getPolicy with user-agent/Authorization/
 * Accept; a multipart POST to upload_host shaped like `requests.post(files=…, data=…)` with
 * user-agent, Accept and Date and no Authorization; then `oss://<key>` with
 * X-DashScope-OssResourceResolve.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStore } from '../../src/auth/key-store.js';
import { createSqliteKeyRepository } from '../../src/auth/sqlite/sqlite-key-repository.js';
import { openSqlite } from '../../src/db/sqlite/database.js';
import { call, createBody, createTask, testImage, waitForStatus } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PY_UA = 'dashscope/1.26.2; python/3.12.3; platform/Linux-6.8.0-x86_64-with-glibc2.39; processor/x86_64';

async function getPolicy(base: string, key: string, model = 'retouch-test') {
  return call(`${base}/api/v1/uploads?action=getPolicy&model=${model}`, {
    key,
    headers: { 'user-agent': PY_UA, Accept: 'application/json; charset=utf-8' },
  });
}

/** The body `requests` builds for files={'file': open(path,'rb')} and data={…}: data fields first, then the file (no part Content-Type). */
function pythonMultipart(fields: Record<string, string>, filename: string, bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = randomBytes(16).toString('hex');
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`));
  parts.push(bytes, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function pythonUpload(policy: Record<string, any>, filename: string, bytes: Buffer, overrides: Record<string, string> = {}) {
  const key = `${policy.upload_dir}/${filename}`;
  const fields = {
    OSSAccessKeyId: policy.oss_access_key_id,
    Signature: policy.signature,
    policy: policy.policy,
    key,
    'x-oss-object-acl': policy.x_oss_object_acl,
    'x-oss-forbid-overwrite': policy.x_oss_forbid_overwrite,
    success_action_status: '200',
    'x-oss-content-type': 'image/png',
    ...overrides,
  };
  const { body, contentType } = pythonMultipart(fields, filename, bytes);
  const res = await fetch(policy.upload_host, {
    method: 'POST',
    headers: { 'user-agent': PY_UA, Accept: 'application/json', Date: new Date().toUTCString(), 'Content-Type': contentType },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: await res.text(), key: fields.key };
}

describe('temporary uploads (protocol.md §6.2)', () => {
  let server: TestServer;
  let png: Buffer;
  beforeAll(async () => {
    server = await startTestServer();
    png = await testImage(512, 384, 'png');
  });
  afterAll(() => server.close());

  it('answers getPolicy with every key the Python SDK requires, upload_host being retouch', async () => {
    const res = await getPolicy(server.url, server.key);
    expect(res.status).toBe(200);
    const data = res.body.data;
    for (const k of ['oss_access_key_id', 'signature', 'policy', 'upload_dir', 'x_oss_object_acl', 'x_oss_forbid_overwrite', 'upload_host']) {
      expect(typeof data[k], k).toBe('string');
    }
    expect(data.upload_host).toBe(`${server.url}/api/v1/uploads/oss`);
    expect(data.upload_dir).toMatch(/^dashscope-instant\/[0-9a-f]{16}\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]{36}$/);
    expect(data).toMatchObject({ expire_in_seconds: 300, max_file_size_mb: 10, x_oss_object_acl: 'private', x_oss_forbid_overwrite: 'true' });
    expect(typeof res.body.request_id).toBe('string');
  });

  it('requires an API key for the policy, and a known model', async () => {
    expect((await getPolicy(server.url, '')).status).toBe(401);
    const bad = await getPolicy(server.url, server.key, 'no-such-model');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('Model not exist.');
  });

  it('stores the file, then resolves oss://<key> only with X-DashScope-OssResourceResolve', async () => {
    const policy = (await getPolicy(server.url, server.key)).body.data;
    const up = await pythonUpload(policy, 'my photo (1).png', png);
    expect(up.status, up.body).toBe(200);

    const ref = `oss://${up.key}`;
    const withHeader = await createTask(server.url, server.key, createBody([ref], 'ok', { n: 1 }), { 'X-DashScope-OssResourceResolve': 'enable' });
    expect(withHeader.status, JSON.stringify(withHeader.body)).toBe(200);
    const done = await waitForStatus(server.url, server.key, withHeader.body.output.task_id);
    expect(done.body.output.task_status).toBe('SUCCEEDED');

    const without = await createTask(server.url, server.key, createBody([ref], 'ok', { n: 1 }));
    expect(without.status).toBe(400);
    expect(without.body.code).toBe('InvalidParameter');
    expect(without.body.message).toContain('X-DashScope-OssResourceResolve');
  });

  it('resolves an upload only for the model its policy was made for', async () => {
    const policy = (await getPolicy(server.url, server.key, 'wan2.5-i2i-preview')).body.data;
    const up = await pythonUpload(policy, 'c.png', png);
    expect(up.status).toBe(200);
    const other = await createTask(server.url, server.key, createBody([`oss://${up.key}`], 'ok', { n: 1 }), { 'X-DashScope-OssResourceResolve': 'enable' });
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('InvalidURL');
    const same = await createTask(server.url, server.key, createBody([`oss://${up.key}`], 'convert to grayscale', { n: 1 }, 'wan2.5-i2i-preview'), {
      'X-DashScope-OssResourceResolve': 'enable',
    });
    expect(same.status, JSON.stringify(same.body)).toBe(200);
  });

  it('refuses another workspace the use of an upload', async () => {
    const db = openSqlite(`${server.dataDir}/retouch.db`);
    const { secret } = await createKeyStore(createSqliteKeyRepository(db)).create({ workspaceId: 'team-b', name: 'test', now: Date.now() });
    db.close();
    const policy = (await getPolicy(server.url, server.key)).body.data;
    const up = await pythonUpload(policy, 'a.png', png);
    expect(up.status).toBe(200);
    const res = await createTask(server.url, secret, createBody([`oss://${up.key}`], 'ok', { n: 1 }), { 'X-DashScope-OssResourceResolve': 'enable' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('InvalidURL');
    // Its own uploads work.
    const own = (await getPolicy(server.url, secret)).body.data;
    expect(own.upload_dir).not.toBe(policy.upload_dir);
    const mine = await pythonUpload(own, 'b.png', png);
    const ok = await createTask(server.url, secret, createBody([`oss://${mine.key}`], 'ok', { n: 1 }), { 'X-DashScope-OssResourceResolve': 'enable' });
    expect(ok.status).toBe(200);
  });

  it('refuses a tampered signature, a tampered policy and a key outside upload_dir with 403', async () => {
    const policy = (await getPolicy(server.url, server.key)).body.data;
    const sig = policy.signature as string;
    const tampered = await pythonUpload(policy, 'x.png', png, { Signature: (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1) });
    expect(tampered.status).toBe(403);
    expect(JSON.parse(tampered.body).code).toBe('AccessDenied');

    const doc = JSON.parse(Buffer.from(policy.policy, 'base64').toString());
    doc.expiration = new Date(Date.now() + 86_400_000 * 365).toISOString();
    const longer = await pythonUpload(policy, 'x.png', png, { policy: Buffer.from(JSON.stringify(doc)).toString('base64') });
    expect(longer.status).toBe(403);

    const outside = await pythonUpload(policy, 'x.png', png, { key: 'dashscope-instant/elsewhere/x.png' });
    expect(outside.status).toBe(403);
    expect(JSON.parse(outside.body).message).toContain('Policy Condition failed');
  });

  it('never overwrites a key: same bytes are fine, other bytes get 409', async () => {
    const policy = (await getPolicy(server.url, server.key)).body.data;
    expect((await pythonUpload(policy, 'same.png', png)).status).toBe(200);
    expect((await pythonUpload(policy, 'same.png', png)).status).toBe(200);
    const other = await testImage(400, 400, 'png');
    expect((await pythonUpload(policy, 'same.png', other)).status).toBe(409);
  });
});

describe('upload limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RETOUCH_UPLOAD_POLICY_TTL: '1s', RETOUCH_UPLOAD_MAX_MB: '1' });
  });
  afterAll(() => server.close());

  it('refuses an expired policy with 403 "Policy expired."', async () => {
    const policy = (await getPolicy(server.url, server.key)).body.data;
    expect(policy.expire_in_seconds).toBe(1);
    await sleep(1100);
    const res = await pythonUpload(policy, 'late.png', await testImage());
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'AccessDenied', message: 'Invalid according to Policy: Policy expired.' });
  });

  it('caps the file size at max_file_size_mb', async () => {
    const policy = (await getPolicy(server.url, server.key)).body.data;
    expect(policy.max_file_size_mb).toBe(1);
    const res = await pythonUpload(policy, 'big.png', randomBytes(1024 * 1024 + 10));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).code).toBe('BadRequest.TooLarge');
  });
});
