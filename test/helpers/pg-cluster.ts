/**
 * A multi-node deployment on PostgreSQL for end-to-end tests: a fresh schema, optionally an S3
 * bucket (blobs every node sees), a temporary folder for the nodes' data dirs, and the nodes
 * themselves as child processes (nodes.ts). `close` stops every node it started and drops the
 * rest, whatever a test did to them (killed, restarted).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, stopNode, type Node } from './nodes.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from './postgres.js';
import { startS3, type TestS3 } from './s3-server.js';

export interface ClusterOptions {
  readonly apiKey: string;
  /** Blobs in a local S3 stand-in; without it, give the nodes one RETOUCH_DATA_DIR to share. */
  readonly s3?: boolean;
  /** RETOUCH_* settings of every node. */
  readonly settings?: Record<string, string>;
}

export interface Cluster {
  readonly schema: string;
  /** The bucket, when asked for. */
  readonly s3: TestS3 | undefined;
  /** A temporary folder, removed on close (node data dirs, config files). */
  readonly dir: string;
  /** The environment of node `name`: the shared database (and bucket), a data dir of its own, the settings, then `extra`. */
  env(name: string, extra?: Record<string, string>): Record<string, string>;
  /** Starts a node that `close` stops. */
  start(role: Node['role'], env: Record<string, string>): Promise<Node>;
  /** Stops the nodes (SIGKILL after `graceMs`), then drops the schema, the bucket and the folder. */
  close(graceMs?: number): Promise<void>;
}

export async function openCluster(options: ClusterOptions): Promise<Cluster> {
  const schema = newSchemaName();
  const dir = mkdtempSync(join(tmpdir(), 'retouch-cluster-'));
  const s3: TestS3 | undefined = options.s3 ? await startS3() : undefined;
  const started: Node[] = [];
  return {
    schema,
    s3,
    dir,
    env: (name, extra = {}) => ({
      ...s3?.env,
      RETOUCH_DATABASE_URL: TEST_DATABASE_URL,
      RETOUCH_DATABASE_SCHEMA: schema,
      RETOUCH_DATA_DIR: join(dir, name),
      RETOUCH_HOST: '127.0.0.1',
      RETOUCH_PORT: '0',
      RETOUCH_API_KEY: options.apiKey,
      RETOUCH_LOG_LEVEL: 'warn',
      ...options.settings,
      ...extra,
    }),
    async start(role, env) {
      const node = await startNode(role, env);
      started.push(node);
      return node;
    },
    async close(graceMs = 5000) {
      await Promise.all(started.map((n) => stopNode(n, graceMs)));
      await s3?.close();
      await dropSchema(schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
