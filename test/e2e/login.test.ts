// Access control in a real browser (Debian's Chromium): a fresh server with no user offers the
// first-admin form fed by the printed setup token; then login, the admin pages (users, tokens,
// audit log), a password change, logout, a viewer without admin pages, and a session ended on
// the server bringing the login page back. No page may trip the Content-Security-Policy.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type App, buildApp } from '../../server/http/app.js';
import { webDistDir } from '../../server/paths.js';
import { type Db, openDb } from '../../server/store/db.js';
import { bearer } from '../support/auth.js';
import { launchChromium, watchPage } from '../support/browser.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const ADMIN_PASSWORD = 'first admin password';

describe('login, first admin and admin pages (Chromium)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-e2e-login-'));
  let db: Db;
  let app: App;
  let url = '';
  let setupToken = '';
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const watch = (p: Page) => watchPage(p, problems);

  before(
    async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      db = openDb(join(dir, 'login.db'));
      app = await buildApp({
        db,
        version: '0.0.0-e2e',
        demo: false,
        webDir: webDistDir,
        auth: {
          onSetupToken: (token) => {
            setupToken = token;
          },
        },
      });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      watch(page);
    },
    { timeout: 60_000 },
  );
  after(async () => {
    await browser?.close();
    await app?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('with no user, the app offers the first admin; the printed link fills in the setup token', async () => {
    assert.match(setupToken, /^[A-Za-z0-9_-]{24}$/, 'the server handed out a setup token at start');
    await page.goto(url);
    await page.getByTestId('setup-form').waitFor();
    assert.equal(await page.getByTestId('hosts-table').count(), 0, 'no data before login');
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-setup.png') });

    // A wrong token is refused with the server's reason.
    await page.getByTestId('setup-token').fill('not-the-token');
    await page.getByTestId('setup-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('setup-confirm').fill(ADMIN_PASSWORD);
    await page.getByTestId('setup-submit').click();
    await page.getByTestId('setup-error').waitFor();
    assert.match((await page.getByTestId('setup-error').textContent()) ?? '', /^Wrong setup token/);

    await page.goto(`${url}/#/setup?token=${setupToken}`);
    await page.getByTestId('setup-form').waitFor();
    assert.equal(await page.getByTestId('setup-token').inputValue(), setupToken);
    assert.equal(await page.getByTestId('setup-name').inputValue(), 'admin');
    await page.getByTestId('setup-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('setup-confirm').fill(ADMIN_PASSWORD);
    await page.getByTestId('setup-submit').click();
    await page.getByTestId('fleet-overview').waitFor();
    assert.equal((await page.getByTestId('user-name').textContent())?.trim(), 'admin');
    assert.equal(new URL(page.url()).hash, '#/', 'the setup token left the address bar');

    const [cookie] = await page.context().cookies();
    assert.equal(cookie?.name, 'unitscore_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'no script can read the session');
  });

  test('admin pages: add a user, create and revoke a token, read the audit log', async () => {
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('users-table').waitFor();
    await page.getByTestId('user-add-name').fill('vic');
    await page.getByTestId('user-add-role').selectOption('viewer');
    await page.getByTestId('user-add-password').fill('vic password 123');
    await page.getByTestId('user-add-submit').click();
    await page.locator('[data-testid="user-row"][data-user="vic"]').waitFor();
    assert.match((await page.getByTestId('admin-notice').textContent()) ?? '', /User vic created/);

    await page.getByTestId('admin-tab-tokens').click();
    await page.getByTestId('token-name').fill('prometheus');
    await page.getByTestId('token-role').selectOption('metrics');
    await page.getByTestId('token-submit').click();
    const token = ((await page.getByTestId('token-value').textContent()) ?? '').trim();
    assert.match(token, /^usk_/);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-admin-tokens.png'), fullPage: true });
    const metrics = () => fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await metrics()).status, 200);
    const row = page.locator('[data-testid="token-row"][data-token="prometheus"]');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke now' }).click();
    await page.locator('[data-testid="token-row"][data-token="prometheus"][data-revoked="true"]').waitFor();
    assert.equal((await metrics()).status, 401);
    assert.equal(await page.getByTestId('token-value').count(), 0, 'a revoked token is not shown again');

    await page.getByTestId('admin-tab-audit').click();
    await page.getByTestId('audit-table').waitFor();
    const actions = await page
      .getByTestId('audit-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    for (const action of [
      'setup: first admin created',
      'setup-failed',
      'POST /api/v1/users',
      'POST /api/v1/tokens',
      'DELETE /api/v1/tokens/:id',
    ]) {
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-admin-audit.png'), fullPage: true });
  });

  test('a password change keeps this browser logged in and logs out the others', async () => {
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    watch(otherPage);
    try {
      await otherPage.goto(url);
      await otherPage.getByTestId('login-name').fill('admin');
      await otherPage.getByTestId('login-password').fill(ADMIN_PASSWORD);
      await otherPage.getByTestId('login-submit').click();
      await otherPage.getByTestId('fleet-overview').waitFor();

      await page.getByTestId('user-name').click();
      await page.getByTestId('password-current').fill(ADMIN_PASSWORD);
      await page.getByTestId('password-new').fill('second admin password');
      await page.getByTestId('password-confirm').fill('second admin password');
      await page.getByTestId('password-submit').click();
      await page.getByTestId('password-done').waitFor();

      // The other browser's next request meets a 401: the login page comes back.
      await otherPage.getByRole('button', { name: 'Refresh' }).click();
      await otherPage.getByTestId('login-form').waitFor();
      await page.getByRole('link', { name: 'Hosts' }).click();
      await page.getByTestId('hosts-table').waitFor();
    } finally {
      await other.close();
    }
  });

  test('logout, a wrong password, and a viewer who sees no admin pages', async () => {
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    assert.equal((await page.context().cookies()).length, 0, 'the cookie is gone');

    await page.getByTestId('login-name').fill('vic');
    await page.getByTestId('login-password').fill('not vic password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    assert.equal(
      (await page.getByTestId('login-error').textContent())?.trim(),
      'Wrong user name or password',
    );

    await page.getByTestId('login-password').fill('vic password 123');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('hosts-table').waitFor();
    assert.equal(await page.getByTestId('nav-admin').count(), 0);
    await page.goto(`${url}/#/admin/users`);
    await page.getByRole('heading', { name: 'Admins only' }).waitFor();
    assert.equal(await page.getByTestId('users-table').count(), 0);

    // An admin ends vic's sessions from elsewhere (a new password): vic's page asks to log in again.
    const admin = bearer(db, 'admin', 'e2e-admin-script');
    const users = (await (await fetch(`${url}/api/v1/users`, { headers: admin })).json()) as {
      users: { id: number; name: string }[];
    };
    const vic = users.users.find((u) => u.name === 'vic');
    const reset = await fetch(`${url}/api/v1/users/${vic?.id}/password`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'vic new password' }),
    });
    assert.equal(reset.status, 204);
    await page.goto(`${url}/#/`);
    await page.getByTestId('login-form').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-login.png') });
  });

  test('no script errors, dialogs or Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});
