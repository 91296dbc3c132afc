import { type Browser, chromium, type Page } from 'playwright-core';

// Debian's Chromium for the e2e tier (TESTING.md §5), and the watch every page is under.

export const CHROMIUM = '/usr/bin/chromium';

/** Headless, and quiet: without the background-networking flags it floods this closed network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * What no page may do, collected into `problems`: a script error; a Content-Security-Policy
 * violation (it allows no inline script or style, so anything it blocks is a bug); a dialog
 * (host data is hostile: a dialog would mean some host text was run as markup).
 */
export function watchPage(page: Page, problems: string[], who?: string): void {
  const by = who === undefined ? '' : ` (${who})`;
  page.on('pageerror', (err) => problems.push(`pageerror${by}: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) problems.push(`csp${by}: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog${by}: ${dialog.message()}`);
    void dialog.dismiss();
  });
}

/** A desktop-sized page under watch (see watchPage). */
export async function watchedPage(browser: Browser, problems: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watchPage(page, problems);
  return page;
}

/** Logs in through the login page the app shows to anyone without a session. */
export async function logIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}
