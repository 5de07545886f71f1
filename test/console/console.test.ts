/**
 * The web console end to end: Debian's Chromium (playwright-core) against real retouch servers,
 * one with workers (edits run on the built-in engine) and one without (tasks stay PENDING, to be
 * cancelled). Screenshots are saved to test-artifacts/console/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, FileChooser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startTestServer, type TestServer } from '../helpers/server.js';
import { api, expectAccessible, launchChromium, photo, screenshot, seriousViolations, signIn, tabTo, taskId } from './browser.js';

let browser: Browser;
let server: TestServer;
let idle: TestServer;
let files: string;
let red: string;
let blue: string;
/** Every URL the pages asked for: none may leave the server's origin. */
const requested: string[] = [];
const consoleErrors: string[] = [];

async function newPage(target: TestServer, options: { viewport?: { width: number; height: number } } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: options.viewport ?? { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(`${target.url}/`);
  return { context, page };
}

/** Submits an edit of red.png through the HTTP API (not the console); returns the task id. */
async function submitViaApi(target: TestServer, prompt: string): Promise<string> {
  const res = await api(target, '/api/v1/services/aigc/image2image/image-synthesis', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dashscope-async': 'enable' },
    body: JSON.stringify({
      model: 'wan2.5-i2i-preview',
      input: { prompt, images: [`data:image/png;base64,${readFileSync(red).toString('base64')}`] },
      parameters: { n: 1 },
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { output: { task_id: string } }).output.task_id;
}

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), 'console-files-'));
  red = await photo(files, 'red.png', 640, 480, '#c0392b');
  blue = await photo(files, 'blue.png', 480, 640, '#2154c4');
  // The tests drive pages far faster than a person (every test one workspace, pages opened back
  // to back): the query limit is raised from 20/s to 200/s so that it is never what a test meets,
  // while a page that polled in a loop would still hit it.
  const queries = { RETOUCH_RATE_LIMIT_QUERY: '200' };
  [browser, server, idle] = await Promise.all([
    launchChromium(),
    startTestServer({ ...queries, RETOUCH_WORKER_CONCURRENCY: '1' }),
    // No workers: every task stays PENDING until cancelled.
    startTestServer({ ...queries, RETOUCH_WORKER_CONCURRENCY: '0' }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.close(), idle?.close()]);
  rmSync(files, { recursive: true, force: true });
});

describe('web console', () => {
  it('keyboard only: sign in, choose a file, fill in and submit', async () => {
    const { context, page } = await newPage(server);
    // Playwright intercepts file choosers once a listener exists; the round trip below makes sure
    // interception is on before the key press (otherwise a loaded machine may lose the race).
    const chooser = new Promise<FileChooser>((resolve) => page.once('filechooser', resolve));
    await page.evaluate(() => 1);
    await tabTo(page, '#api-key');
    await page.keyboard.type(server.key);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Edit images' }).waitFor();
    await tabTo(page, '.drop button');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles([blue]);
    await page.locator('ol.thumbs li').waitFor();
    await tabTo(page, '#instruction');
    await page.keyboard.type('mirror horizontally');
    await tabTo(page, 'button[type="submit"]');
    await screenshot(page, 'keyboard-focus-submit');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    await page.keyboard.press('Enter');
    await page.locator('section.task .badge.s-succeeded').waitFor({ timeout: 60_000 });
    await context.close();
  });

  it('submits an edit with two images and shows the result, its plan, comparison and commands', async () => {
    const { context, page } = await newPage(server);
    await expectAccessible(page, 'sign-in');
    await signIn(page, server.key);
    await page.locator('#image-files').setInputFiles([red]);
    // The second image arrives by drag and drop.
    const bytes = readFileSync(blue).toString('base64');
    await page.evaluate(async (b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], 'blue.png', { type: 'image/png' }));
      document.querySelector('.drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, bytes);
    await expect.poll(() => page.locator('ol.thumbs li').count()).toBe(2);
    await expect.poll(() => page.locator('ol.thumbs li').nth(1).innerText()).toContain('480×640 · PNG');
    // Reorder: blue becomes image 1, then back.
    await page.getByRole('button', { name: 'Move image 2 up' }).click();
    expect(await page.locator('ol.thumbs li').first().innerText()).toContain('blue.png');
    await page.getByRole('button', { name: 'Move image 1 down' }).click();
    expect(await page.locator('ol.thumbs li').first().innerText()).toContain('red.png');

    await page.getByLabel('Instruction').fill('convert to black and white');
    await page.getByLabel('Number of images (n)').selectOption('2');
    await page.getByLabel('Seed (optional)').fill('7');
    await page.getByRole('button', { name: 'Submit edit' }).click();
    await page.locator('section.task .badge.s-succeeded').waitFor({ timeout: 60_000 });
    const id = await taskId(page);
    const task = (await (await api(server, `/api/v1/tasks/${id}`)).json()) as { output: { results: { url: string; actual_prompt: string }[] } };
    expect(await page.getByTestId('plan').innerText()).toBe(task.output.results[0]!.actual_prompt);
    await expect.poll(() => page.locator('ol.results img').count()).toBe(2);

    // Compare: slider by keyboard, side by side, zoom.
    const slider = page.getByLabel('Before / after position');
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    expect(await slider.inputValue()).toBe('51');
    expect(await page.locator('.stack img.over').evaluate((el) => (el as HTMLElement).style.clipPath)).toBe('inset(0px 0px 0px 51%)');
    await screenshot(page, 'result-slider');
    await page.getByLabel('Comparison').selectOption('side');
    await page.getByLabel('Zoom', { exact: true }).selectOption('2');
    expect(
      await page
        .locator('.side img')
        .first()
        .evaluate((el) => (el as HTMLElement).style.width),
    ).toBe('200%');
    await screenshot(page, 'result-side-by-side');

    // Commands for the same request.
    await page.getByText('The same request as a command').click();
    const curl = await page.locator('[data-command="curl"]').innerText();
    expect(curl).toContain(`${server.url}/api/v1/services/aigc/image2image/image-synthesis`);
    expect(curl).toContain(`"prompt":"convert to black and white"`);
    expect(curl).toContain(`$(base64 -w0 'red.png')`);
    expect(curl).toContain(`"seed":7`);
    const cli = await page.locator('[data-command="cli"]').innerText();
    expect(cli).toContain(`retouch edit 'red.png' 'blue.png'`);
    expect(cli).toContain('-n 2');
    const sdk = await page.locator('[data-command="sdk"]').innerText();
    expect(sdk).toContain(`images: ["red.png","blue.png"]`);
    // The snippet imports the SDK package by its published name.
    const sdkName = (JSON.parse(readFileSync(join(REPO_ROOT, 'packages/sdk/package.json'), 'utf8')) as { name: string }).name;
    expect(sdk).toContain(`import { createClient } from '${sdkName}';`);
    await expectAccessible(page, 'edit-result');

    // Download: the file is byte for byte the PNG the API serves.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download Result 1' }).click()]);
    expect(download.suggestedFilename()).toBe(`${id}-1.png`);
    const saved = readFileSync((await download.path())!);
    const served = Buffer.from(await (await fetch(task.output.results[0]!.url)).arrayBuffer());
    expect(saved.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(saved.equals(served)).toBe(true);

    // Edit again: the result becomes image 1 of a new edit.
    await page.getByRole('button', { name: 'Edit again Result 2' }).click();
    await expect.poll(() => page.locator('ol.thumbs li').count()).toBe(1);
    expect(await page.locator('ol.thumbs li').first().innerText()).toContain(`${id}-2.png`);
    expect(await page.getByLabel('Instruction').inputValue()).toBe('convert to black and white');
    await context.close();
  });

  it('compares a result of another shape without stretching it', async () => {
    // Tall enough that the whole comparison fits its 70vh viewport.
    const { context, page } = await newPage(server, { viewport: { width: 1280, height: 1600 } });
    await signIn(page, server.key);
    await page.locator('#image-files').setInputFiles([red]); // 640×480, a round disc in the middle
    await page.getByLabel('Instruction').fill('rotate 90 degrees');
    await page.getByLabel('Number of images (n)').selectOption('1');
    await page.getByRole('button', { name: 'Submit edit' }).click();
    await page.locator('section.task .badge.s-succeeded').waitFor({ timeout: 60_000 });
    // The slider all the way left: only the (portrait) result shows, over the (landscape) input.
    await page.getByLabel('Before / after position').focus();
    await page.keyboard.press('Home');
    await expect
      .poll(() => page.locator('.stack img.over').evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth))
      .toBeGreaterThan(0);
    const shot = await page.locator('.stack').screenshot();
    const { data, info } = await sharp(shot).raw().toBuffer({ resolveWithObject: true });
    // The disc's bounding box (the photo's yellow, #f5d142): round, not an ellipse.
    let [left, top, right, bottom] = [Infinity, Infinity, -1, -1];
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        const i = (y * info.width + x) * info.channels;
        if (data[i]! > 200 && data[i + 1]! > 170 && data[i + 2]! < 120) {
          [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
        }
      }
    }
    expect(right).toBeGreaterThan(left);
    expect((right - left + 1) / (bottom - top + 1)).toBeCloseTo(1, 1);
    await screenshot(page, 'result-slider-rotated');
    await context.close();
  });

  it('says on its page what an UNKNOWN task is', async () => {
    const { context, page } = await newPage(server);
    await signIn(page, server.key);
    await page.goto(`${server.url}/#/tasks/no-such-task`);
    await page.locator('section.task .badge.s-unknown').waitFor();
    expect(await page.getByTestId('task-unknown').innerText()).toBe(
      'This workspace has no such task: the id is wrong, the task has expired, or it belongs to another workspace.',
    );
    await screenshot(page, 'task-unknown');
    await context.close();
  });

  it('opens a task page as loading, not as a PENDING task with a Cancel button', async () => {
    const id = await submitViaApi(server, 'rotate 90 degrees');
    await expect
      .poll(async () => ((await (await api(server, `/api/v1/tasks/${id}`)).json()) as { output: { task_status: string } }).output.task_status)
      .toBe('SUCCEEDED');
    const { context, page } = await newPage(server);
    await signIn(page, server.key);
    // The page's first read of the task is held until the loading state has been looked at.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const reading = new Promise<void>((resolve) => (asked = resolve));
    await page.route(`${server.url}/api/v1/tasks/${id}*`, async (route) => {
      asked();
      await held;
      await route.continue();
    });
    await page.goto(`${server.url}/#/tasks/${id}`);
    await reading;
    const line = page.locator('section.task .status-line');
    await line.waitFor();
    expect(await line.innerText()).toContain('Loading…');
    expect(await page.locator('section.task .badge').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    release();
    await page.locator('section.task .badge.s-succeeded').waitFor();
    await context.close();
  });

  it('still edits with the default model when the model list cannot be read', async () => {
    // Not newPage: the failed loads made here on purpose are console errors the last test counts.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    // The list fails as on a network blip; everything else reaches the server.
    await page.route(`${server.url}/api/v1/models`, (route) => route.abort('connectionreset'));
    await page.goto(`${server.url}/`);
    await signIn(page, server.key);
    await expect.poll(() => page.getByLabel('Model / route').inputValue()).toBe('wan2.5-i2i-preview');
    // Why the list is missing is said in the page's language, as the labels around it are.
    await expect.poll(() => page.getByTestId('form-error').innerText()).toMatch(/^Could not load the model list: /);
    await page.getByLabel('Language').selectOption('zh');
    expect(await page.getByTestId('form-error').innerText()).toMatch(/^无法加载模型列表: /);
    await page.getByLabel('语言').selectOption('en');
    await page.locator('#image-files').setInputFiles([red]);
    await page.getByLabel('Instruction').fill('rotate 90 degrees');
    await page.getByRole('button', { name: 'Submit edit' }).click();
    await page.locator('section.task .badge.s-succeeded').waitFor({ timeout: 60_000 });
    await context.close();
  });

  it('shows a generative instruction failing with its code and message, and limit errors before sending', async () => {
    const { context, page } = await newPage(server);
    await signIn(page, server.key);
    await page.locator('#image-files').setInputFiles([red, blue, red]);
    // The fourth arrives by pasting.
    await page.evaluate(async (b64) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'pasted.png', { type: 'image/png' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    }, readFileSync(blue).toString('base64'));
    await expect.poll(() => page.locator('ol.thumbs li').count()).toBe(4);
    expect(await page.locator('ol.thumbs li').nth(3).innerText()).toContain('pasted.png');
    await page.getByLabel('Instruction').fill('add a cat sitting on the sofa');
    await page.getByRole('button', { name: 'Submit edit' }).click();
    // Four images: refused in the browser with the server's own message.
    expect(await page.getByTestId('form-error').innerText()).toBe('InvalidParameter: Parameter input.images must contain 1 to 3 images, got 4.');
    // A custom size outside the protocol's range: the server's message, before sending.
    await page.getByLabel('Output size').selectOption('custom');
    await page.getByLabel('Width').fill('640');
    await page.getByLabel('Height').fill('480');
    for (let i = 0; i < 2; i++)
      await page
        .getByRole('button', { name: 'Remove image 4' })
        .or(page.getByRole('button', { name: 'Remove image 3' }))
        .first()
        .click();
    await page.getByRole('button', { name: 'Submit edit' }).click();
    expect(await page.getByTestId('form-error').innerText()).toBe(
      'InvalidParameter: Parameter size 640*480 has 307200 pixels; it must be between 768*768 (589824) and 1280*1280 (1638400).',
    );
    await page.getByLabel('Output size').selectOption('1280*720');
    await page.getByRole('button', { name: 'Submit edit' }).click();
    await page.locator('section.task .badge.s-failed').waitFor({ timeout: 60_000 });
    const id = await taskId(page);
    const task = (await (await api(server, `/api/v1/tasks/${id}`)).json()) as { output: { code: string; message: string } };
    expect(task.output.code).toBe('InvalidParameter');
    expect(await page.getByTestId('task-error').innerText()).toBe(`${task.output.code}: ${task.output.message}`);
    expect(task.output.message).toContain('needs a generative model');
    await screenshot(page, 'generative-failure');
    await context.close();
  });

  it('lists tasks live, links to details, and cancels a PENDING task', async () => {
    const { context, page } = await newPage(idle);
    await signIn(page, idle.key);
    await page.locator('#image-files').setInputFiles([red]);
    await page.getByLabel('Instruction').fill('rotate 90 degrees');
    await page.getByRole('button', { name: 'Submit edit' }).click();
    await page.locator('section.task .badge.s-pending').waitFor();
    const id = await taskId(page);

    await page.getByRole('link', { name: 'Tasks' }).click();
    const row = page.locator(`tr[data-task-id="${id}"]`);
    await row.waitFor();
    // Feature detection: live events where the server streams them, polling otherwise.
    const abort = new AbortController();
    const stream = await api(idle, '/api/v1/tasks/events', { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    const streams = stream.ok && (stream.headers.get('content-type') ?? '').includes('text/event-stream');
    abort.abort();
    await expect.poll(() => page.getByTestId('update-mode').innerText()).toBe(streams ? 'Live updates (server-sent events)' : 'Updating every few seconds');
    expect(await row.getAttribute('data-status')).toBe('PENDING');
    await expectAccessible(page, 'tasks');
    // A task created elsewhere (the API) appears without a reload.
    const otherId = await submitViaApi(idle, 'flip');
    await page.locator(`tr[data-task-id="${otherId}"]`).waitFor();

    await row.getByRole('button', { name: `Cancel task ${id}` }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('CANCELED');
    const body = (await (await api(idle, `/api/v1/tasks/${id}`)).json()) as { output: { task_status: string } };
    expect(body.output.task_status).toBe('CANCELED');
    await screenshot(page, 'tasks-after-cancel');
    // Filters as in the list API: only CANCELED tasks, then back to all.
    await page.getByLabel('Status').selectOption('CANCELED');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('tr[data-task-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task-id')))).toEqual([id]);
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator(`tr[data-task-id="${otherId}"]`).waitFor();

    await row.getByRole('link').click();
    await page.locator(`section.task[data-task-id="${id}"] .badge.s-canceled`).waitFor();
    await expectAccessible(page, 'task-detail');
    await context.close();
  });

  it('follows the workspace event stream where the server offers one (a stand-in per the SSE contract)', async () => {
    const streamed = await submitViaApi(server, 'flip horizontally');
    const { context, page } = await newPage(server);
    // The stand-in answers GET /api/v1/tasks/events as the contract says (text/event-stream, one
    // `task` event whose data is a GET task body, a heartbeat comment) and then ends, as a
    // dropped stream would; the page must go live, then fall back to polling.
    let authorization = '';
    await page.route('**/api/v1/tasks/events', async (route) => {
      authorization = route.request().headers().authorization ?? '';
      const body = await (await api(server, `/api/v1/tasks/${streamed}`)).text();
      await route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: `: ping\n\nid: 1\nevent: task\ndata: ${body}\n\n` });
    });
    await page.addInitScript(() => {
      const seen: string[] = ((window as unknown as { modes: string[] }).modes = []);
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="update-mode"]')?.textContent;
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.reload();
    await signIn(page, server.key);
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.locator(`tr[data-task-id="${streamed}"]`).waitFor();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { modes: string[] }).modes))
      .toEqual(expect.arrayContaining(['Live updates (server-sent events)', 'Updating every few seconds']));
    const modes = await page.evaluate(() => (window as unknown as { modes: string[] }).modes);
    expect(modes.lastIndexOf('Updating every few seconds')).toBeGreaterThan(modes.indexOf('Live updates (server-sent events)'));
    expect(authorization).toBe(`Bearer ${server.key}`);
    await context.close();
  });

  it('creates and revokes an API key on the admin pages, which are accessible', async () => {
    const { context, page } = await newPage(server);
    await signIn(page, server.key);
    // A finished edit (made through the API) shows its result thumbnail in the list.
    const done = await submitViaApi(server, 'mirror horizontally');
    await expect
      .poll(async () => ((await (await api(server, `/api/v1/tasks/${done}`)).json()) as { output: { task_status: string } }).output.task_status, {
        timeout: 30_000,
      })
      .toBe('SUCCEEDED');
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.locator(`tr[data-task-id="${done}"] td.thumbs-cell img`).waitFor();
    await expect.poll(() => page.locator('td.thumbs-cell img').count()).toBeGreaterThan(0);
    await page.getByLabel('Theme').selectOption('dark');
    await screenshot(page, 'tasks-with-results-dark');
    await page.getByLabel('Theme').selectOption('light');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByLabel('Workspace').fill('team-e2e');
    await page.getByLabel('Name').fill('from the console');
    await page.getByRole('button', { name: 'Create' }).click();
    const secret = await page.getByTestId('new-secret').innerText();
    expect(secret).toMatch(/^sk-[0-9a-f]{48}$/);
    const asNew = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await asNew('/api/v1/tasks')).status).toBe(200);
    await expectAccessible(page, 'admin-keys');
    // Signed in with the new (non-admin) key, the console shows no admin pages.
    const other = await newPage(server);
    await signIn(other.page, secret);
    expect(await other.page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await other.page.goto(`${server.url}/#/admin/keys`);
    await other.page.reload();
    expect(await other.page.getByRole('alert').innerText()).toContain('not an admin key');
    await other.context.close();

    const keys = (await (await api(server, '/api/v1/admin/keys?workspace_id=team-e2e')).json()) as { data: { id: string }[] };
    const keyId = keys.data[0]!.id;
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Revoke ${keyId}` }).click();
    await expect.poll(() => page.locator(`tr[data-key-id="${keyId}"] [data-testid="key-state"]`).innerText()).toMatch(/^revoked /);
    expect((await asNew('/api/v1/tasks')).status).toBe(401);

    for (const section of ['workspaces', 'usage', 'routes', 'webhooks'] as const) {
      await page.getByRole('link', { name: section[0]!.toUpperCase() + section.slice(1) }).click();
      await page.locator('table, .notice, .empty').first().waitFor();
      await expectAccessible(page, `admin-${section}`);
    }
    // Webhooks: the endpoints form where the server has the webhooks API, a notice where it has not.
    const hooks = await api(server, '/api/v1/webhooks');
    if (hooks.status === 404) expect(await page.getByTestId('webhooks-unavailable').innerText()).toBe('Not available on this server.');
    else expect(await page.getByRole('button', { name: 'Add endpoint' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Routes' }).click();
    expect(await page.locator('table').innerText()).toContain('wan2.5-i2i-preview');
    await context.close();
  });

  it('signs out, saying why, when the key is revoked during the session or before it is restored', async () => {
    const make = async (name: string) => {
      const res = await api(server, '/api/v1/admin/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workspace_id: 'team-revoked', name }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: { id: string; secret: string } }).data;
    };
    const revoke = async (id: string) => expect((await api(server, `/api/v1/admin/keys/${id}`, { method: 'DELETE' })).status).toBe(200);
    const refused = 'You were signed out: the server no longer accepts this API key (it was revoked or deleted). Sign in with another key.';

    // Revoked while signed in: the next call the page makes is refused, and the session ends. That call may be
    // the page's own (a stream re-checks its key every second) before the navigation below, which is why the
    // navigation goes through the address, not through a link the sign-out may already have removed.
    const during = await make('revoked during the session');
    const { context, page } = await newPage(server);
    await signIn(page, during.secret);
    await revoke(during.id);
    await page.evaluate(() => {
      location.hash = '#/tasks';
    });
    await page.getByLabel('API key').waitFor();
    expect(await page.getByTestId('key-refused').innerText()).toBe(refused);
    expect(await page.getByRole('link', { name: 'Tasks' }).count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('retouch.apiKey'))).toBeNull();
    // Another key signs in as usual (back on the page it was on), and the notice goes.
    await page.getByLabel('API key').fill(server.key);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    expect(await page.getByTestId('key-refused').count()).toBe(0);
    await context.close();

    // A remembered key revoked since: the reload says so, and the key is forgotten.
    const remembered = await make('remembered, then revoked');
    const second = await newPage(server);
    await second.page.getByLabel('API key').fill(remembered.secret);
    await second.page.getByLabel('Remember the key on this device').check();
    await second.page.getByRole('button', { name: 'Connect' }).click();
    await second.page.getByRole('heading', { name: 'Edit images' }).waitFor();
    await revoke(remembered.id);
    await second.page.reload();
    await second.page.getByTestId('key-refused').waitFor();
    expect(await second.page.getByTestId('key-refused').innerText()).toBe(refused);
    expect(await second.page.evaluate(() => localStorage.getItem('retouch.apiKey'))).toBeNull();
    await screenshot(second.page, 'signed-out-revoked');
    await second.context.close();
  });

  it('shows every option of every select whole at desktop width', async () => {
    const { context, page } = await newPage(server);
    await signIn(page, server.key);
    // A select cuts its label without overflowing (its scrollWidth stays its clientWidth), so each
    // one is measured against a copy of itself at its natural width holding one option alone.
    const cut = () =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll('select')).flatMap((select) =>
          Array.from(select.options).flatMap((option) => {
            const copy = document.createElement('select');
            copy.style.cssText = 'width: auto; min-width: 0; max-width: none; position: absolute; visibility: hidden';
            copy.append(option.cloneNode(true));
            select.parentElement!.append(copy);
            const needed = copy.getBoundingClientRect().width;
            copy.remove();
            const width = select.getBoundingClientRect().width;
            return width + 0.5 < needed ? [`${select.id || select.getAttribute('aria-label')}: "${option.text}" needs ${needed}px, has ${width}px`] : [];
          }),
        ),
      );
    await expect.poll(() => page.getByLabel('Model / route').inputValue()).toBe('wan2.5-i2i-preview');
    await screenshot(page, 'edit-desktop');
    expect(await cut()).toEqual([]);
    await page.getByLabel('Output size').selectOption('custom');
    expect(await cut()).toEqual([]);
    await page.getByLabel('Language').selectOption('zh');
    expect(await cut()).toEqual([]);
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    expect(await cut()).toEqual([]);
    await context.close();
  });

  it('fits a phone and speaks Chinese', async () => {
    const { context, page } = await newPage(server, { viewport: { width: 390, height: 844 } });
    await signIn(page, server.key);
    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('heading', { name: '编辑图片' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.locator('#image-files').setInputFiles([red]);
    await screenshot(page, 'phone-zh');
    expect(await seriousViolations(page)).toEqual([]);
    // The wide tables scroll inside their own box; the page itself does not scroll sideways.
    await submitViaApi(server, 'rotate 90 degrees');
    for (const route of ['tasks', 'admin']) {
      await page.goto(`${server.url}/#/${route}`);
      await page.locator('.table-wrap table tbody tr').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth), route).toBeLessThanOrEqual(await page.evaluate(() => window.innerWidth));
      await screenshot(page, `phone-zh-${route}`);
    }
    await context.close();
  });

  it('asked nothing of any other origin and met no CSP or script errors', () => {
    const foreign = requested.filter((url) => ![server.url, idle.url].some((origin) => url.startsWith(`${origin}/`)) && !url.startsWith('blob:'));
    expect(foreign).toEqual([]);
    expect(consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of (401|403|404)/.test(e))).toEqual([]);
  });
});
