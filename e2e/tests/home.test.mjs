// The province home page: what a learner sees first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc, signInWithVneid, registerInCommune } from '../lib/harness.mjs';

const OUT = fileURLToPath(new URL('../out/front-door/', import.meta.url));

let browser;
before(async () => { mkdirSync(OUT, { recursive: true }); browser = await launch(); });
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
    await page.click('details.units summary');
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

for (const [name, viewport] of [['phone', { width: 360, height: 640 }], ['desktop', { width: 1366, height: 768 }]]) {
  test(`the front door at ${viewport.width}×${viewport.height}: learn and sign in on the first screen → out/front-door/`, { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext(contextOptions({ viewport, bypassCSP: true }));
    try {
      const page = await context.newPage();
      await page.goto(`${BASE}/`);
      await page.screenshot({ path: `${OUT}${name}-home.png` });
      for (const label of ['Bắt đầu học', 'Đăng nhập bằng VNeID']) {
        const button = page.getByRole('link', { name: label, exact: true }).first();
        const box = await button.boundingBox();
        assert.ok(box, `${label} is shown`);
        assert.ok(box.y + box.height <= viewport.height, `${label} is on the first screen (bottom at ${box.y + box.height})`);
        assert.ok(box.height >= 44, `${label} is a large target (${box.height}px)`);
      }
      // Large text and high contrast are offered on the home page, and apply there.
      await Promise.all([page.waitForNavigation(), page.click('.reading a[href$="tuong-phan=cao"]')]);
      assert.equal(await page.getAttribute('body', 'class'), 'contrast');
      await page.screenshot({ path: `${OUT}${name}-home-contrast.png` });
      assert.deepEqual(await axeViolations(page), []);
      await Promise.all([page.waitForNavigation(), page.click('.reading a[href$="tuong-phan=thuong"]')]);

      // The citizens' sign-in page has no password form; the staff page is apart.
      await page.goto(`${BASE}/dang-nhap`);
      assert.equal(await page.locator('input[type=password]').count(), 0);
      await page.screenshot({ path: `${OUT}${name}-sign-in.png` });
      assert.deepEqual(await axeViolations(page), []);
      await page.goto(`${BASE}/dang-nhap/can-bo`);
      assert.equal(await page.locator('input[type=password]').count(), 1);
      assert.deepEqual(await axeViolations(page), []);
    } finally {
      await context.close();
    }
  });
}

test('signed in, the header says so and my page shows what to learn next', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions({ viewport: { width: 360, height: 640 }, bypassCSP: true }));
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/dang-nhap`);
    await signInWithVneid(page, 'phamthilan');
    await registerInCommune(page, 'cac son');
    assert.equal(new URL(page.url()).pathname, '/toi');
    await page.screenshot({ path: `${OUT}phone-me.png`, fullPage: true });
    assert.ok(await page.locator('header a[href="/toi"]').isVisible(), 'my page in the header');
    assert.ok(await page.locator('header form.signout button').isVisible(), 'sign out in the header');
    const next = page.getByRole('link', { name: 'Học tiếp', exact: true });
    assert.ok(await next.isVisible(), 'the next lesson is offered');
    assert.deepEqual(await axeViolations(page), []);
    await page.goto(`${BASE}/`);
    assert.equal(await page.locator('a[href="/dang-nhap/vneid"]').count(), 0, 'no sign-in button once signed in');
    await Promise.all([page.waitForNavigation(), page.click('header form.signout button')]);
    assert.equal(await page.locator('header a[href="/dang-nhap"]').count(), 1, 'signed out');
  } finally {
    await context.close();
  }
});
