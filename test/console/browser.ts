/**
 * Debian's Chromium (apt `chromium`, /usr/bin/chromium) driven by playwright-core: never a
 * downloaded browser. Screenshots go to test-artifacts/console/ (gitignored). axe-core's source
 * is evaluated in the page (through the DevTools protocol, which the page's CSP does not govern).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { expect } from 'vitest';
import { type TestServer, REPO_ROOT } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`);
  if (!existsSync(join(REPO_ROOT, 'dist/web/index.html'))) throw new Error('the console is not built: run `npm run build` first');
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Presses Tab until `selector` has focus (keyboard-only navigation), failing after `max` presses. */
export async function tabTo(page: Page, selector: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** A PNG photo stand-in (a coloured field with a disc) written to `dir`. */
export async function photo(dir: string, name: string, width: number, height: number, colour: string): Promise<string> {
  const path = join(dir, name);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${colour}"/><circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="#f5d142"/></svg>`;
  writeFileSync(path, await sharp(Buffer.from(svg)).png().toBuffer());
  return path;
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('heading', { name: 'Edit images' }).waitFor();
}

/** A call to the server's API with its key (the test's view, next to what the page shows). */
export async function api(target: TestServer, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${target.url}${path}`, { ...init, headers: { authorization: `Bearer ${target.key}`, ...init.headers } });
}

/** The id of the task the page shows. */
export async function taskId(page: Page): Promise<string> {
  const id = await page.locator('section.task').first().getAttribute('data-task-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return id!;
}

/** Screenshots and axe-core in both themes (switched with the page's own control). */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.getByLabel('Theme').selectOption(theme);
    await screenshot(page, `${name}-${theme}`);
    const violations = await seriousViolations(page);
    expect(violations, `${name} (${theme}): ${JSON.stringify(violations, null, 1)}`).toEqual([]);
  }
  await page.getByLabel('Theme').selectOption('light');
}
