// The language switch: one link, plain HTML, no JavaScript needed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, TIMEOUT, contextOptions, launch, nfc } from '../lib/harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function follow(page, link) {
  const [res] = await Promise.all([page.waitForNavigation(), link.click()]);
  return res;
}

test('the "English" link shows the home page in English, and back', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions());
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    const viHeading = nfc(await page.locator('h1').innerText());

    const en = page.getByRole('link', { name: 'English', exact: true });
    assert.equal(await en.count(), 1, 'one "English" link');
    assert.equal(await en.getAttribute('lang'), 'en', 'the "English" link is marked lang="en"');
    const res = await follow(page, en);
    assert.equal(res.status(), 200);
    assert.equal(await page.getAttribute('html', 'lang'), 'en', '<html lang> after the switch');
    const enHeading = nfc(await page.locator('h1').innerText());
    assert.notEqual(enHeading, viHeading, 'the heading is translated');
    assert.ok(enHeading.includes(nfc('Thanh Hóa')), `English heading still names Thanh Hóa: "${enHeading}"`);
    assert.ok(await page.getByRole('button', { name: 'Search' }).isVisible(), 'the search button reads "Search"');

    const vi = page.getByRole('link', { name: 'Tiếng Việt', exact: true });
    assert.equal(await vi.count(), 1, 'a link back to Vietnamese');
    await follow(page, vi);
    assert.equal(await page.getAttribute('html', 'lang'), 'vi', 'back to Vietnamese');
    assert.equal(nfc(await page.locator('h1').innerText()), viHeading);
  } finally {
    await context.close();
  }
});

test('the "English" link keeps the page you are on', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions());
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/don-vi/16591`);
    await follow(page, page.getByRole('link', { name: 'English', exact: true }));
    assert.equal(new URL(page.url()).pathname, '/don-vi/16591', 'same unit after the switch');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(nfc(await page.locator('h1').innerText()), nfc('Xã Các Sơn'), 'proper names are not translated');
  } finally {
    await context.close();
  }
});
