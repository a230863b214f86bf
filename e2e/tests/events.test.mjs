// A live event with a bridge point, in a real browser: the organiser creates it, the host checks
// people in while the network is down (the page queues them and sends them when it returns, a
// lost reply included, without counting anyone twice), a citizen checks in by the point's QR
// code, and the control room's live screen follows over Server-Sent Events. axe-core on every
// page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc, registerInCommune } from '../lib/harness.mjs';

const USER = process.env.BINHDAN_E2E_STAFF_USER;
const PASSWORD = process.env.BINHDAN_E2E_STAFF_PASSWORD;

let browser;
before(async () => {
  assert.ok(USER && PASSWORD, 'run through e2e/run.sh, which creates the staff account');
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** `2026-11-27T08:05` in Vietnam (UTC+7), `minutes` from now. */
function vietnam(minutes) {
  return new Date(Date.now() + 7 * 3600e3 + minutes * 60e3).toISOString().slice(0, 16);
}

async function signInStaff(page) {
  await page.goto(`${BASE}/dang-nhap/can-bo`);
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/quan-ly');
}

/** The host's page's figures line, once it says `pattern`. */
async function figuresSay(page, pattern) {
  await page.waitForFunction(
    (source) => new RegExp(source).test(document.getElementById('figures').textContent.normalize('NFC')),
    pattern.source,
    { timeout: 20_000 },
  );
}

test('an organiser, a host on a flaky network, a participant and the live screen', { timeout: TIMEOUT * 2 }, async () => {
  const context = await browser.newContext(contextOptions({ bypassCSP: true }));
  const page = await context.newPage();
  await signInStaff(page);

  // The organiser creates the event in commune 16591 (it started five minutes ago).
  await Promise.all([page.waitForNavigation(), page.click('a[href="/quan-ly/su-kien"]')]);
  assert.deepEqual(await axeViolations(page), []);
  await page.fill('#title', 'Lễ ra quân Bình dân học vụ số');
  await page.selectOption('#kind', 'ceremony');
  // By name, without diacritics (the province has too many units for a list).
  assert.equal(await page.$eval('#unit', (e) => e.tagName), 'INPUT');
  assert.ok((await page.$$('#unit-list option')).length > 100, 'the communes are suggested');
  await page.fill('#unit', 'xa cac son');
  await page.fill('#starts', vietnam(-5));
  await page.fill('#ends', vietnam(120));
  await page.fill('#link', 'https://truyenhinh.example/le-ra-quan');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/quan-ly/su-kien"] button[type=submit]')]);
  const eventPath = new URL(page.url()).pathname;
  assert.match(eventPath, /^\/quan-ly\/su-kien\/\d+$/);
  assert.deepEqual(await axeViolations(page), []);

  // A bridge point at the commune, hosted by the same account.
  await page.fill('#name', 'Nhà văn hóa xã');
  // The commune's units are few: a list grouped by commune; the host by name or username.
  assert.equal(await page.$eval('form[action$="/diem"] #unit', (e) => e.tagName), 'SELECT');
  assert.ok(await page.$('form[action$="/diem"] #unit optgroup'), 'grouped by commune');
  await page.selectOption('form[action$="/diem"] #unit', '16591');
  await page.fill('#host', USER);
  await page.fill('#expected', '40');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/diem"] button[type=submit]')]);
  assert.match(nfc(await page.textContent('[role=status]')), /Đã thêm 1 điểm cầu/);
  assert.deepEqual(await axeViolations(page), []);

  // The host's page.
  await Promise.all([page.waitForNavigation(), page.click('table a[href*="/diem/"]')]);
  const hostUrl = page.url();
  assert.ok(await page.$('.qr svg'), 'the QR code to scan');
  const qrUrl = nfc(await page.textContent('.qr + p small')).trim();
  assert.match(qrUrl, /^http:\/\/127\.0\.0\.1:\d+\/su-kien\/diem\/[A-Za-z0-9_-]+$/);
  assert.deepEqual(await axeViolations(page), []);
  // The form that changes the point: its unit chosen in the same list as when adding it, its
  // expected headcount a number field the browser bounds (the server checks it too).
  const change = await page.$eval('form[action$="/sua"]', (f) => ({
    unit: f.querySelector('#change-unit').tagName,
    chosen: f.querySelector('#change-unit').value,
    host: f.querySelector('#change-host').value,
    expected: ['type', 'min', 'max', 'inputmode'].map((a) => f.querySelector('#change-expected').getAttribute(a)),
  }));
  assert.deepEqual(change, { unit: 'SELECT', chosen: '16591', host: USER, expected: ['number', '0', '100000', 'numeric'] });
  await page.waitForFunction(() => /Đã gửi hết/.test(document.getElementById('queue-status').textContent));

  // The control room's screen, in another tab.
  const screen = await context.newPage();
  await screen.goto(`${BASE}${eventPath}/truc-tiep`);
  await screen.waitForFunction(() => /Đang cập nhật trực tiếp/.test(document.getElementById('live-state').textContent), null, { timeout: 20_000 });
  assert.equal(nfc(await screen.textContent('#participants')), '0');
  assert.deepEqual(await axeViolations(screen), []);
  // Read from the back of a hall: the main figures at least 8% of the screen's height.
  const sized = await screen.evaluate(() => parseFloat(getComputedStyle(document.getElementById('participants')).fontSize) / window.innerHeight);
  assert.ok(sized >= 0.08, `the main figure is ${(sized * 100).toFixed(1)}% of the screen's height`);

  // The network goes down; the host keeps checking people in.
  await context.setOffline(true);
  for (const who of ['Nguyễn Thị Mạng Yếu', '038190099999', '12345', 'nguyen thi mang yeu']) {
    await page.fill('#identity', who);
    await page.press('#identity', 'Enter');
  }
  await page.fill('#headcount-value', '6');
  await page.click('#headcount button[type=submit]');
  assert.match(nfc(await page.textContent('#queue-status')), /Còn 5 lượt đang chờ gửi/);
  const queued = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('binhdan-queue-')).length);
  assert.equal(queued, 1, 'the queue is kept in the browser');
  assert.equal(new URL(page.url()).toString(), hostUrl, 'no form was posted');

  // The network returns, but the first reply is lost on the way back: the server has counted
  // the check-ins, the page does not know and sends them again.
  let lost = false;
  await page.route('**/check-ins', async (route) => {
    if (!lost && route.request().postDataJSON()?.items?.length) {
      lost = true;
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForFunction(() => /Đã gửi hết/.test(document.getElementById('queue-status').textContent), null, { timeout: 30_000 });
  assert.ok(lost, 'a reply was lost on purpose');
  const results = nfc(await page.textContent('#results'));
  assert.match(results, /Nguyễn Thị Mạng Yếu đã điểm danh rồi/, 'the resent check-in is not counted again');
  assert.match(results, /5 chữ số/, 'the malformed number is refused');
  assert.ok(!results.includes('038190099999'), 'the number is not shown back');
  // Two people (the guest and the unregistered number) and six without ID.
  await figuresSay(page, /Đã điểm danh 2 người, cộng 6 người không có giấy tờ/);
  await page.unroute('**/check-ins');

  // The live screen followed, without a reload.
  await screen.waitForFunction(() => document.getElementById('participants').textContent.trim() === '8', null, { timeout: 20_000 });
  assert.match(nfc(await screen.textContent('#groups')), /Không có giấy tờ \(đếm số\): 6/);
  assert.match(nfc(await screen.textContent('#communes')), /Xã Các Sơn/);

  // A participant scans the QR code, signs in with VNeID and says they are here.
  const citizen = await browser.newContext(contextOptions({ bypassCSP: true }));
  const phone = await citizen.newPage();
  await phone.goto(qrUrl);
  assert.match(phone.url(), /\/dang-nhap\?tiep=/, 'signing in first');
  await Promise.all([phone.waitForNavigation(), phone.click('a[href^="/dang-nhap/vneid?tiep="]')]);
  await Promise.all([phone.waitForNavigation(), phone.click('a[href*="login=lethihoa"]')]);
  await phone.waitForURL((u) => ['/dang-ky', '/su-kien'].some((p) => new URL(u).pathname.startsWith(p)), { timeout: 30_000 });
  // Someone not yet on a roster registers first; either way they come back to the point.
  if (new URL(phone.url()).pathname === '/dang-ky') await registerInCommune(phone, 'cac son');
  assert.equal(phone.url(), qrUrl, 'back at the point after signing in');
  assert.match(nfc(await phone.textContent('main')), /Lễ ra quân Bình dân học vụ số/);
  assert.deepEqual(await axeViolations(phone), []);
  await Promise.all([phone.waitForNavigation(), phone.click('main form button[type=submit]')]);
  assert.match(nfc(await phone.textContent('[role=status]')), /Đã ghi nhận bạn có mặt tại Nhà văn hóa xã/);
  assert.deepEqual(await axeViolations(phone), []);
  await citizen.close();
  await screen.waitForFunction(() => document.getElementById('participants').textContent.trim() === '9', null, { timeout: 20_000 });

  // The report after the event.
  await page.goto(`${BASE}${eventPath}`);
  assert.match(nfc(await page.textContent('main')), /Đã có 9 người tham dự trên 40 người dự kiến; 1\/1 điểm cầu đã kết nối/);
  const csv = await page.evaluate(async (path) => (await fetch(`${path}/bao-cao?dinh-dang=csv`)).text(), eventPath);
  assert.match(nfc(csv), /Nhà văn hóa xã,16591,Xã Các Sơn,Xã Các Sơn,e2e\.tinh,40,3,6,9/);
  await context.close();
});
