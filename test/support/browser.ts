// Debian's Chromium driven by playwright-core, the same way in every browser test.
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
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

/** Fills in and submits the login page, as a user does. */
export async function logIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/**
 * Collects what must never happen on a page into `problems`: script errors, anything the
 * Content-Security-Policy blocks (no inline script or style), and dialogs (host data is hostile:
 * a dialog would mean some host text was run as markup).
 */
export function watchForProblems(page: Page, problems: string[], who = 'page'): void {
  page.on('pageerror', (err) => problems.push(`pageerror (${who}): ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) problems.push(`csp (${who}): ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog (${who}): ${dialog.message()}`);
    void dialog.dismiss();
  });
}
