import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureDashboardBuilt, ROOT } from './dashboard-build.js';

/**
 * Debian's chromium driven by playwright-core (never `npx playwright install`): one
 * browser per test file, a fresh context (cookies, storage) per test.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'dashboard');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright gives every launch its own fresh temporary profile (user data dir)
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** uncaught errors in the page; a test asserts there are none */
  errors: Error[];
  close(): Promise<void>;
}

export async function openTab(browser: Browser, options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Tab> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1360, height: 860 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: Error[] = [];
  page.on('pageerror', (err) => errors.push(err));
  return { context, page, errors, close: () => context.close() };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Logs in through the login form, as a person would. */
export async function logIn(page: Page, baseUrl: string, username: string, password: string, at = '/'): Promise<void> {
  await page.goto(`${baseUrl}${at}`);
  await page.getByLabel('User name').fill(username);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('user').waitFor();
}

/**
 * The browser part of a dashboard test file: builds the dashboard if needed and launches
 * the browser before the tests, closes each test's tab after it (with a screenshot when
 * the test failed), and the browser after the file.
 */
export function useBrowser(name: string): { open(options?: Parameters<typeof openTab>[1]): Promise<Tab> } {
  let browser: Browser | undefined;
  let tab: Tab | undefined;
  before(async () => {
    ensureDashboardBuilt();
    browser = await launchBrowser();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && tab) await screenshot(tab.page, `failed-${name}-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
    await tab?.close();
    tab = undefined;
  });
  after(async () => {
    await browser?.close();
  });
  return {
    async open(options) {
      if (!browser) throw new Error('the browser is not running (before hook failed?)');
      tab = await openTab(browser, options);
      return tab;
    },
  };
}
