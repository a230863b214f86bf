// Search must work as a plain GET form, with JavaScript off (cheap phones,
// data-saver browsers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, TIMEOUT, contextOptions, launch, nfc } from '../lib/harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('search with JavaScript disabled: "cac son" finds Xã Các Sơn', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions({ javaScriptEnabled: false }));
  try {
    // First prove that this context really runs no page script.
    const probe = await context.newPage();
    await probe.setContent('<p id="x">off</p><script>document.getElementById("x").textContent = "on"</script>');
    assert.equal(await probe.locator('#x').innerText(), 'off', 'page scripts must not run in this context');
    await probe.close();

    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    const box = page.getByRole('searchbox');
    assert.equal(await box.count(), 1, 'one search box on the home page');
    assert.ok(await box.isVisible(), 'the search box is visible');
    const label = nfc(await page.locator(`label[for="${await box.getAttribute('id')}"]`).innerText());
    assert.ok(label.length > 0, 'the search box has a visible label');

    await box.click();
    await box.pressSequentially('cac son');
    await Promise.all([page.waitForURL((url) => url.pathname === '/tim-kiem'), box.press('Enter')]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('q'), 'cac son', 'the query travels in the URL (GET form)');
    assert.equal(await page.getByRole('searchbox').inputValue(), 'cac son', 'the results page keeps the query');

    const hit = page.locator('main').getByRole('link', { name: 'Xã Các Sơn' });
    assert.equal(await hit.count(), 1, 'Xã Các Sơn is in the results');
    assert.ok(await hit.isVisible(), 'the result is visible');

    await Promise.all([page.waitForURL(`${BASE}/don-vi/16591`), hit.click()]);
    assert.equal(nfc(await page.locator('h1').innerText()), nfc('Xã Các Sơn'), 'the commune page opens');
  } finally {
    await context.close();
  }
});

test('search with JavaScript disabled: the button submits, an empty result says so', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions({ javaScriptEnabled: false }));
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/tim-kiem`);
    const box = page.getByRole('searchbox');
    await box.fill('thon');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('q') === 'thon'),
      page.locator('main form').getByRole('button').click(),
    ]);
    const results = page.locator('main a[href^="/don-vi/"]');
    assert.ok(await results.count() > 0, '"thon" finds villages');

    await box.fill('zzzz không có');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('q') === 'zzzz không có'),
      box.press('Enter'),
    ]);
    assert.equal(await page.locator('main a[href^="/don-vi/"]').count(), 0, 'nonsense finds nothing');
    assert.equal((await page.locator('main').innerText()).includes('zzzz'), true, 'the page echoes the query');
  } finally {
    await context.close();
  }
});
