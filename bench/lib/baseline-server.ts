/**
 * The baseline process for bench/core.ts: a bare Fastify 5 server (no hooks, no auth, no logger)
 * plus bare sharp, run as a child process like `retouch serve`. Started by procs.ts
 * (`node --import tsx bench/lib/baseline-server.ts`, env BENCH_DATA_DIR); prints
 * "baseline listening on URL" and takes commands over IPC.
 *
 *   GET  /api/v1/tasks/:id   the JSON bytes last set with {cmd: 'setGetBody'}        (bench a)
 *        also on a second port from bare `node:http` (no router, no framework): the ceiling
 *   POST /api/v1/services/aigc/image2image/image-synthesis                          (bench b)
 *        the unavoidable minimum of a create: parse the JSON body, decode the base64 data URI,
 *        write the bytes to a file, INSERT a row and UPDATE it in SQLite (WAL, synchronous =
 *        NORMAL like retouch's default), answer with the id. With BENCH_FSYNC=1 the file is
 *        written like retouch's blob store does it (temp file, fsync, rename).
 *   IPC  {cmd: 'sharp', inputPath, width, height, count, concurrency}                   (bench c)
 *        `sharp(input).grayscale().resize(width, height).png().toBuffer()` count times, at most
 *        `concurrency` at once; answers {ms, bytes, channels}.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import sharp from 'sharp';

const dataDir = process.env.BENCH_DATA_DIR;
// BENCH_FSYNC=1: write files the way retouch's blob store does (temp file, fsync, rename).
const durable = process.env.BENCH_FSYNC === '1';
if (!dataDir) throw new Error('BENCH_DATA_DIR is required');

const db = new Database(join(dataDir, 'baseline.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, model TEXT NOT NULL, status TEXT NOT NULL, prompt TEXT NOT NULL,
  input_key TEXT NOT NULL, submit_time INTEGER NOT NULL, end_time INTEGER) STRICT`);
const insert = db.prepare('INSERT INTO tasks (id, model, status, prompt, input_key, submit_time) VALUES (?, ?, ?, ?, ?, ?)');
const update = db.prepare("UPDATE tasks SET status = 'SUCCEEDED', end_time = ? WHERE id = ?");

let getBody = Buffer.from('{}');

const app = Fastify({ logger: false, bodyLimit: 42 * 1024 * 1024 });

app.get('/api/v1/tasks/:id', (_request, reply) => {
  reply.type('application/json; charset=utf-8').send(getBody);
});

interface CreateBody {
  model: string;
  input: { prompt: string; images: string[] };
}

app.post<{ Body: CreateBody }>('/api/v1/services/aigc/image2image/image-synthesis', async (request) => {
  const body = request.body;
  const uri = body.input.images[0]!;
  const bytes = Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
  const id = randomUUID();
  const key = `${id}.png`;
  if (durable) {
    const tmp = join(dataDir, `${key}.tmp`);
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(dataDir, key));
  } else {
    await writeFile(join(dataDir, key), bytes);
  }
  insert.run(id, body.model, 'PENDING', body.input.prompt, key, Date.now());
  update.run(Date.now(), id);
  return { output: { task_status: 'PENDING', task_id: id }, request_id: request.id };
});

async function sharpRound(msg: { inputPath: string; width: number; height: number; count: number; concurrency: number }) {
  const input = readFileSync(msg.inputPath);
  let next = 0;
  let last: Buffer | undefined;
  let bytes = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < msg.count) {
      next++;
      const png = await sharp(input).grayscale().resize(msg.width, msg.height).png().toBuffer();
      bytes += png.length;
      last = png;
    }
  };
  await Promise.all(Array.from({ length: msg.concurrency }, lane));
  const ms = performance.now() - started;
  // Outside the timed part: what the output looks like, for the log.
  const channels = last ? (await sharp(last).metadata()).channels : undefined;
  return { ms, bytes, channels };
}

process.on('message', (msg: { seq: number; cmd: string } & Record<string, any>) => {
  const reply = (value: Promise<unknown> | unknown) =>
    Promise.resolve(value).then(
      (v) => process.send!({ seq: msg.seq, ok: true, value: v }),
      (err: Error) => process.send!({ seq: msg.seq, ok: false, error: String(err?.stack ?? err) }),
    );
  switch (msg.cmd) {
    case 'setGetBody':
      getBody = Buffer.from(msg.body as string);
      return reply(getBody.length);
    case 'sharp':
      return reply(sharpRound(msg as any));
    default:
      return reply(Promise.reject(new Error(`unknown command ${msg.cmd}`)));
  }
});

const shutdown = () => {
  bare.close();
  void app.close().then(() => {
    db.close();
    process.exit(0);
  });
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
process.once('disconnect', shutdown);

// The same bytes from bare node:http: what Node itself can do with this answer.
const bare = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': getBody.length });
  response.end(getBody);
});
await new Promise<void>((done) => bare.listen(0, '127.0.0.1', done));
const bareAddress = bare.address();
process.stdout.write(`baseline node:http listening on http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}\n`);

const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`baseline listening on ${url}\n`);
