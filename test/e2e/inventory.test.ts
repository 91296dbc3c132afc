// The inventory on the admin page, in a real browser (Debian's Chromium): the config file's host
// listed read-only, a host added, refused with the server's reason, changed and removed; host
// data shown as text; every change in the audit log; no CSP violation on the way.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { defaultHostDefaults } from '../../server/config/host-spec.js';
import { type App, buildApp } from '../../server/http/app.js';
import { Inventory } from '../../server/inventory/inventory.js';
import { webDistDir } from '../../server/paths.js';
import { type Db, openDb } from '../../server/store/db.js';
import { ensureUser, TEST_PASSWORD } from '../support/auth.js';
import { launchChromium, logIn, watchedPage } from '../support/browser.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');

describe('admin page: the inventory (Chromium)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-e2e-inventory-'));
  let db: Db;
  let app: App;
  let url = '';
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const row = (name: string) => page.locator(`[data-testid="inventory-row"][data-host="${name}"]`);

  before(
    async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      db = openDb(join(dir, 'inventory.db'));
      const inventory = new Inventory(db, {
        defaults: defaultHostDefaults(dir),
        configFile: '/etc/unitscore.yaml',
      });
      inventory.load([
        {
          name: 'from-config',
          address: '192.0.2.10',
          port: 22,
          user: 'scanner',
          labels: ['env=prod'],
          identityFile: '/k',
          knownHosts: '/kh',
        },
      ]);
      app = await buildApp({ db, version: '0.0.0-e2e', demo: false, webDir: webDistDir, inventory });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      await ensureUser(db, 'ada', 'admin');
      browser = await launchChromium();
      page = await watchedPage(browser, problems);
      await page.goto(url);
      await logIn(page, 'ada', TEST_PASSWORD);
      await page.getByTestId('fleet-overview').waitFor();
    },
    { timeout: 60_000 },
  );
  after(async () => {
    await browser?.close();
    await app?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the config file host is listed, read-only', async () => {
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-inventory').click();
    await page.getByTestId('inventory-table').waitFor();
    const config = row('from-config');
    assert.equal(await config.getAttribute('data-source'), 'config');
    assert.match((await config.textContent()) ?? '', /scanner@192\.0\.2\.10.*env=prod.*config file/s);
    assert.equal(await config.getByRole('button').count(), 0, 'no edit or remove');
  });

  test('add a host; a bad one is refused with the field and the reason', async () => {
    await page.getByTestId('host-add-name').fill('web-7');
    await page.getByTestId('host-add-address').fill('192.0.2.7');
    await page.getByTestId('host-add-port').fill('70000');
    await page.getByTestId('host-add-user').fill('scanner');
    // Host data is text: markup in a label would be refused by the server anyway, and the page
    // never renders it as HTML (the jump host's spelling below is shown as typed).
    await page.getByTestId('host-add-labels').fill('env=test, team=web');
    await page.getByTestId('host-add-jump').fill('ops@bastion.example:2200');
    await page.getByTestId('host-add-submit').click();
    await page.getByTestId('admin-error').waitFor();
    assert.equal(
      (await page.getByTestId('admin-error').textContent())?.trim(),
      'Invalid host: port: must be <= 65535',
    );
    await page.getByTestId('host-add-port').fill('2222');
    await page.getByTestId('host-add-submit').click();
    await row('web-7').waitFor();
    assert.match((await page.getByTestId('admin-notice').textContent()) ?? '', /Host web-7 added/);
    assert.equal(await page.getByTestId('host-add-name').inputValue(), '', 'the form is cleared');
    const text = (await row('web-7').textContent()) ?? '';
    assert.match(text, /scanner@192\.0\.2\.7:2222/);
    assert.match(text, /via ops@bastion\.example:2200/);
    assert.match(text, /env=test.*team=web/s);
    assert.match(text, /added by ada/);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-admin-inventory.png'), fullPage: true });
  });

  test('edit a host: only what changed is sent; the list follows', async () => {
    await row('web-7').getByTestId('host-edit').click();
    const form = page.getByTestId('host-edit-form');
    assert.equal(await form.getByTestId('host-edit-port').inputValue(), '2222');
    assert.equal(await form.getByTestId('host-edit-labels').inputValue(), 'env=test, team=web');
    await form.getByTestId('host-edit-labels').fill('env=test team=db');
    await form.getByTestId('host-edit-jump').fill('');
    await form.getByTestId('host-edit-submit').click();
    await page.getByTestId('host-edit-form').waitFor({ state: 'detached' });
    const text = (await row('web-7').textContent()) ?? '';
    assert.match(text, /team=db/);
    assert.doesNotMatch(text, /team=web|via /);
    const audit = await fetchAudit();
    assert.deepEqual(audit.find((e) => e.action === 'PATCH /api/v1/hosts/:id')?.detail, {
      changes: { labels: ['env=test', 'team=db'], jump: null },
    });
  });

  test('remove a host, asked once more; the audit log has every change', async () => {
    await row('web-7').getByTestId('host-remove').click();
    await row('web-7').getByTestId('host-remove-confirm').click();
    await row('web-7').waitFor({ state: 'detached' });
    assert.match((await page.getByTestId('admin-notice').textContent()) ?? '', /history is kept/);
    await page.getByTestId('admin-tab-audit').click();
    await page.getByTestId('audit-table').waitFor();
    const actions = await page
      .getByTestId('audit-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    for (const action of ['POST /api/v1/hosts', 'PATCH /api/v1/hosts/:id', 'DELETE /api/v1/hosts/:id'])
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  });

  test('no script errors, dialogs or Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });

  /** The audit log as the admin's browser session reads it. */
  async function fetchAudit(): Promise<{ action: string; detail: unknown }[]> {
    return page.evaluate(async () => {
      const res = await fetch('/api/v1/audit', { credentials: 'same-origin' });
      return ((await res.json()) as { entries: { action: string; detail: unknown }[] }).entries;
    });
  }
});
