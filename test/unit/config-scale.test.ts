import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const DB = 'postgres://postgres@127.0.0.1:5432/test';

describe('config: roles, PostgreSQL and S3', () => {
  it('defaults to one embedded node', () => {
    expect(loadConfig({})).toMatchObject({ role: 'all', databaseUrl: undefined, s3: undefined });
  });

  it('refuses a split role without a shared database, naming the variable', () => {
    expect(() => loadConfig({ RETOUCH_ROLE: 'worker' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { role: 'api' })).toThrow(/RETOUCH_ROLE.*RETOUCH_DATABASE_URL/);
    expect(loadConfig({ RETOUCH_DATABASE_URL: DB }, { role: 'worker' }).role).toBe('worker');
    expect(() => loadConfig({ RETOUCH_ROLE: 'both' })).toThrow(/RETOUCH_ROLE/);
  });

  it('validates the database settings', () => {
    expect(() => loadConfig({ RETOUCH_DATABASE_URL: 'mysql://x' })).toThrow(/RETOUCH_DATABASE_URL/);
    expect(() => loadConfig({ RETOUCH_DATABASE_URL: DB, RETOUCH_DATABASE_SCHEMA: 'a-b' })).toThrow(/RETOUCH_DATABASE_SCHEMA/);
  });

  it('reads S3 settings, refusing half of them', () => {
    const s3 = loadConfig({ RETOUCH_S3_BUCKET: 'results', RETOUCH_S3_ENDPOINT: 'http://127.0.0.1:9000/' }).s3;
    expect(s3).toEqual({
      bucket: 'results',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      accessKeyId: undefined,
      secretAccessKey: undefined,
      forcePathStyle: true,
    });
    expect(loadConfig({ RETOUCH_S3_BUCKET: 'results' }).s3?.forcePathStyle).toBe(false);
    expect(() => loadConfig({ RETOUCH_S3_ENDPOINT: 'http://x' })).toThrow(/RETOUCH_S3_ENDPOINT.*RETOUCH_S3_BUCKET/);
    expect(() => loadConfig({ RETOUCH_S3_BUCKET: 'bucket', RETOUCH_S3_ACCESS_KEY_ID: 'k' })).toThrow(/RETOUCH_S3_SECRET_ACCESS_KEY/);
    expect(() => loadConfig({ RETOUCH_S3_BUCKET: 'Bad_Bucket' })).toThrow(/RETOUCH_S3_BUCKET/);
  });
});
