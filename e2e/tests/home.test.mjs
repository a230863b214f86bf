// The province home page: what a learner sees first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, TIMEOUT, contextOptions, launch, nfc } from '../lib/harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('home page: Vietnamese, Thanh Hóa, targets K1–K5, 166 communes', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions());
  try {
    const page = await context.newPage();
    const res = await page.goto(`${BASE}/`);
    assert.equal(res.status(), 200, 'GET / status');
    assert.match(res.headers()['content-type'] ?? '', /^text\/html/, 'GET / content-type');

    assert.equal(await page.getAttribute('html', 'lang'), 'vi', '<html lang>');

    const h1 = page.locator('h1');
    assert.equal(await h1.count(), 1, 'exactly one <h1>');
    assert.ok(await h1.isVisible(), '<h1> is visible');
    const heading = nfc(await h1.innerText());
    assert.ok(heading.includes(nfc('Thanh Hóa')), `<h1> mentions Thanh Hóa: "${heading}"`);

    // The five campaign targets, in order, each visible.
    const kpis = page.locator('main').getByText(/^K[1-5]$/);
    assert.deepEqual(await kpis.allInnerTexts(), ['K1', 'K2', 'K3', 'K4', 'K5'], 'targets K1–K5 in order');
    for (const kpi of await kpis.all()) {
      assert.ok(await kpi.isVisible(), `${await kpi.innerText()} is visible`);
    }

    // 166 commune links, distinct, each to /don-vi/{code}.
    const hrefs = await page.locator('main a[href^="/don-vi/"]').evaluateAll(
      (links) => links.map((a) => a.getAttribute('href')),
    );
    assert.equal(hrefs.length, 166, 'links to communes');
    assert.equal(new Set(hrefs).size, 166, 'commune links are distinct');
    for (const href of hrefs) assert.match(href, /^\/don-vi\/\d+$/, 'commune link shape');
  } finally {
    await context.close();
  }
});

test('a commune link opens the commune, whose breadcrumb leads back to Thanh Hóa', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions());
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    const link = page.locator('main a[href^="/don-vi/"]').nth(10);
    const name = nfc(await link.innerText());
    const href = await link.getAttribute('href');

    await Promise.all([page.waitForURL(`${BASE}${href}`), link.click()]);
    assert.equal(nfc(await page.locator('h1').innerText()), name, 'the commune page is titled with the link text');

    const crumbs = page.getByRole('navigation', { name: /breadcrumb/i });
    assert.equal(await crumbs.count(), 1, 'one breadcrumb navigation');
    const back = crumbs.getByRole('link', { name: 'Thanh Hóa' });
    assert.equal(await back.count(), 1, 'the breadcrumb links to Thanh Hóa');
    assert.ok(await back.isVisible(), 'the breadcrumb link is visible');

    const res = await Promise.all([page.waitForNavigation(), back.click()]).then(([r]) => r);
    assert.equal(res?.status(), 200, 'the Thanh Hóa page answers 200');
    assert.ok(nfc(await page.locator('h1').innerText()).includes(nfc('Thanh Hóa')), 'back on Thanh Hóa');
    // The province page lists the commune we came from.
    assert.equal(await page.locator(`main a[href="${href}"]`).count(), 1, 'the province page lists the commune');
  } finally {
    await context.close();
  }
});

test('an unknown unit answers with a 404 HTML page', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions());
  try {
    const page = await context.newPage();
    const res = await page.goto(`${BASE}/don-vi/99999`);
    assert.equal(res.status(), 404, 'status');
    assert.match(res.headers()['content-type'] ?? '', /^text\/html/, 'content-type');
    assert.equal(await page.getAttribute('html', 'lang'), 'vi', '<html lang>');
    assert.ok(nfc(await page.locator('main').innerText()).includes('99999'), 'the page names the unknown code');
    assert.equal(await page.locator('main a[href="/"]').count(), 1, 'a link back home');
  } finally {
    await context.close();
  }
});
