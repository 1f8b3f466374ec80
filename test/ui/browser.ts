/**
 * Headless Chromium for the dashboard suites: Debian's /usr/bin/chromium driven by playwright-core (never
 * downloaded), a fresh profile per suite, page errors collected, and full-page screenshots checked to be real PNGs.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
// The flags known to work on these machines: no sandbox as root, no GPU, no background traffic.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Upper bound for one page condition (render, live update). */
export const PAGE_TIMEOUT_MS = 15_000;

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught script errors of the page. */
  readonly pageErrors: string[];
  /** A full-page screenshot that must be a real, non-trivial PNG; returns its path and size. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserSession> {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium is missing at ${CHROMIUM}: run scripts/ensure-chromium.sh (it apt-get installs Debian's chromium).`,
  );
  const profile = await mkdtemp(join(tmpdir(), 'batchite-chromium-'));
  // A persistent context is how playwright takes a fresh, explicit user data directory.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    context,
    page,
    pageErrors,
    async screenshot(name) {
      const path = join(process.env.BATCHITE_SCREENSHOT_DIR ?? profile, `dashboard-${name}.png`);
      await page.screenshot({ path, fullPage: true });
      const png = await readFile(path);
      assert.deepEqual(
        [...png.subarray(0, 8)],
        [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
        'PNG signature',
      );
      assert.ok(png.length > 20_000, `${name} screenshot is only ${png.length} bytes`);
      return `${path} (${png.length} bytes)`;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
