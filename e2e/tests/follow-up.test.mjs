// Staff pages that tell a commune whom to visit (issue 18, items 4 and 5), in a real browser
// at 360×640 and 1366×768: the people list says where each resident stands and filters by it
// without JavaScript, and the audit log reads in words and filters by person, action and date.
// axe-core (WCAG 2.2 AA) on every page; screenshots in out/follow-up/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc } from '../lib/harness.mjs';

const USER = process.env.BINHDAN_E2E_STAFF_USER;
const PASSWORD = process.env.BINHDAN_E2E_STAFF_PASSWORD;
const OUT = new URL('../out/follow-up/', import.meta.url).pathname;
const SIZES = [
  { name: 'phone', viewport: { width: 360, height: 640 } },
  { name: 'desktop', viewport: { width: 1366, height: 768 } },
];
const STATUSES = ['Chưa bắt đầu', 'Đang học', 'Dừng lâu', 'Đã đạt kỹ năng', 'Đã có chứng chỉ'];

let browser;
before(async () => {
  assert.ok(USER && PASSWORD, 'run through e2e/run.sh, which creates the staff account');
  mkdirSync(OUT, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** axe finds nothing, the page fits its width, and a full-page screenshot is saved. */
async function check(page, name) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${name} fits ${width} px (${scroll})`);
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
}

/** The status words of the people table's rows. */
async function statuses(page) {
  return (await page.$$eval('tbody tr td:nth-child(2) strong', (cells) => cells.map((c) => c.textContent)))
    .map(nfc);
}

async function signIn(page) {
  await page.goto(`${BASE}/dang-nhap/can-bo`);
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/quan-ly');
}

test('the filters work without JavaScript', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(
    contextOptions({ viewport: { width: 360, height: 640 }, javaScriptEnabled: false }),
  );
  const page = await context.newPage();
  await signIn(page);
  await page.goto(`${BASE}/quan-ly/nguoi?don-vi=38`);
  await page.selectOption('#tinh-trang', 'dung-lau');
  await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
  assert.match(page.url(), /tinh-trang=dung-lau/);
  for (const s of await statuses(page)) assert.equal(s, 'Dừng lâu');
  await page.goto(`${BASE}/quan-ly/nhat-ky`);
  await page.selectOption('#hanh-dong', 'person.list');
  await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
  assert.match(page.url(), /hanh-dong=person\.list/);
  const actions = await page.$$eval('tbody tr td:nth-child(4)', (cells) => cells.map((c) => c.textContent));
  assert.ok(actions.length >= 1 && actions.every((a) => a.endsWith('(person.list)')), actions.join(' | '));
  await context.close();
});

for (const size of SIZES) {
  test(`whom to visit and the audit log, ${size.name}`, { timeout: TIMEOUT }, async () => {
    // bypassCSP only so that axe can be injected.
    const context = await browser.newContext(contextOptions({ viewport: size.viewport, bypassCSP: true }));
    const page = await context.newPage();
    await signIn(page);

    // The province's residents, each with where they stand.
    await page.goto(`${BASE}/quan-ly/nguoi?don-vi=38`);
    const all = await statuses(page);
    assert.ok(all.length > 0, 'the demo province has residents');
    for (const s of all) assert.ok(STATUSES.includes(s), s);
    await check(page, `people-${size.name}`);

    // Filter by the first resident's status through the form: only that status is listed.
    const wanted = all[0];
    const option = await page.$eval(
      '#tinh-trang',
      (select, words) => [...select.options].find((o) => o.textContent.normalize('NFC') === words).value,
      wanted,
    );
    await page.selectOption('#tinh-trang', option);
    await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
    assert.match(page.url(), new RegExp(`tinh-trang=${option}`));
    const filtered = await statuses(page);
    assert.ok(filtered.length > 0);
    assert.deepEqual([...new Set(filtered)], [wanted]);
    await check(page, `people-${option}-${size.name}`);

    // A person's page says the same.
    await page.click('tbody tr:first-child a');
    assert.match(nfc(await page.textContent('main dl')), new RegExp(wanted));
    await check(page, `person-${size.name}`);

    // The audit log: that look at the person is there, in words, and the filters narrow it.
    await page.goto(`${BASE}/quan-ly/nhat-ky`);
    assert.match(nfc(await page.textContent('tbody')), /Xem danh sách người dân \(person\.list\)/);
    await check(page, `audit-${size.name}`);
    await page.fill('#nguoi', USER);
    await page.selectOption('#hanh-dong', 'person.list');
    await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    const actions = await page.$$eval('tbody tr td:nth-child(4)', (cells) => cells.map((c) => c.textContent));
    assert.ok(actions.length >= 2, 'both lists were audited');
    assert.ok(actions.every((a) => a.endsWith('(person.list)')), actions.join(' | '));
    await check(page, `audit-filtered-${size.name}`);
    await context.close();
  });
}
