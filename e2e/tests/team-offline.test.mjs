// A village team's work survives a dropped network, on a phone-sized screen: a member opens
// their class and a resident's page, loses the network, takes attendance for 10 people and
// records a visit (each saved on the phone, the page says so with a count), and marks
// someone the server will refuse. Back online, the first sync's reply is lost after the
// server counted; the resend counts once (the class shows 10 present, the village 1 visit);
// the refused item is shown with its reason and kept — through a villager signing in and out
// on the same phone — until the member discards it.
// Screenshots (360×640) in e2e/out/team-offline/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc, registerInCommune, signInWithVneid } from '../lib/harness.mjs';

const USER = process.env.BINHDAN_E2E_STAFF_USER;
const PASSWORD = process.env.BINHDAN_E2E_STAFF_PASSWORD;
const MEMBER = 'e2e.to-ngoai-tuyen';
const MEMBER_PASSWORD = 'mật khẩu của tổ khi mất mạng';
const NAMES = ['Lò Thị Mai', 'Hà Văn Sáng', 'Lường Thị Xuân', 'Cầm Văn Tú', 'Vi Thị Hoa', 'Lê Thị Nga', 'Phạm Văn Hùng', 'Bùi Thị Lan', 'Đinh Văn Tâm', 'Quách Thị Hiền'];
const OUT = new URL('../out/team-offline/', import.meta.url).pathname;

let browser;
before(async () => {
  assert.ok(USER && PASSWORD, 'run through e2e/run.sh, which creates the staff account');
  mkdirSync(OUT, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function signIn(page, user, password) {
  await page.goto(`${BASE}/dang-nhap/can-bo`);
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/quan-ly');
}

const queue = (page) => page.evaluate(() => self.BinhDanQueue.all('queue'));
const shot = (page, name) => page.screenshot({ path: `${OUT}${name}.png`, fullPage: false });

test('a team member takes attendance and records a visit offline; it counts once', { timeout: TIMEOUT * 3 }, async () => {
  const phone = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, bypassCSP: true };
  const admin = await (await browser.newContext(contextOptions(phone))).newPage();
  await signIn(admin, USER, PASSWORD);
  // The last village of commune 16591 listed (the teams test uses the first).
  await admin.goto(`${BASE}/don-vi/16591`);
  const villages = await admin.$$eval('main a[href^="/don-vi/16591"]', (links) =>
    links.map((a) => a.getAttribute('href').split('/').pop()).filter((c) => /^16591\d{3}$/.test(c)));
  const village = villages[villages.length - 1];
  assert.match(village, /^16591\d{3}$/);
  await admin.goto(`${BASE}/quan-ly/can-bo`);
  await admin.fill('#username', MEMBER);
  await admin.fill('#name', 'Tổ viên khi mất mạng');
  await admin.fill('#password', MEMBER_PASSWORD);
  await admin.selectOption('#role', 'village_facilitator');
  await admin.fill('#other_unit', village);
  await Promise.all([admin.waitForNavigation(), admin.click('form[action="/quan-ly/can-bo"] button[type=submit]')]);
  await admin.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  await admin.fill('#username', MEMBER);
  await Promise.all([admin.waitForNavigation(), admin.click('form[action$="/thanh-vien"] button[type=submit]')]);
  assert.match(nfc(await admin.textContent('main')), /Tổ viên khi mất mạng/);

  // The member's phone: the class and a resident's page opened while there is a network.
  const context = await browser.newContext(contextOptions(phone));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, MEMBER, MEMBER_PASSWORD);
  // Ten residents, registered by the member (the demo's villages start empty).
  for (let i = 0; i < 10; i += 1) {
    await page.goto(`${BASE}/quan-ly/nguoi/moi`);
    await page.selectOption('#unit', village);
    await page.fill('#name', NAMES[i]);
    await page.fill('#cccd', `0381859970${String(i).padStart(2, '0')}`);
    await page.fill('#birth', '12/03/1985');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/quan-ly/nguoi/moi"] button[type=submit]')]);
    assert.match(nfc(await page.textContent('[role=status]')), new RegExp(NAMES[i]));
  }
  await page.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  const residentHref = await page.getAttribute('section[aria-labelledby=residents] a[href*="/nguoi/"]', 'href');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/lop"] button[type=submit]')]);
  const classUrl = page.url();
  assert.match(new URL(classUrl).pathname, /^\/quan-ly\/lop-hoc\/\d+$/);
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 20_000 });
  const people = await page.$$eval('#person option', (os) => os.map((o) => [o.value, o.textContent]).filter((o) => o[0]));
  assert.ok(people.length >= 10, `the village has ${people.length} residents`);
  const visitPage = await context.newPage();
  visitPage.on('pageerror', (e) => errors.push(String(e)));
  await visitPage.goto(`${BASE}${residentHref}`);

  // No network.
  await context.setOffline(true);
  await page.waitForFunction(() => /đang không có mạng\. Vẫn điểm danh/.test(document.getElementById('bd-status').textContent));
  await shot(page, '0-offline');
  for (let i = 0; i < 10; i += 1) {
    await page.selectOption('#person', people[i][0]);
    await page.click('form[action$="/diem-danh"] button[type=submit]:not([name])');
    await page.waitForFunction((n) => document.querySelectorAll('#bd-waiting li').length === n, i + 1);
  }
  const status = nfc(await page.textContent('#bd-status'));
  assert.match(status, /Đã lưu trên máy, sẽ gửi khi có mạng\. Đang chờ gửi: 10 việc/);
  assert.equal(nfc(await page.textContent('#bd-present-waiting')), ' + 10 chờ gửi');
  assert.equal(await page.inputValue('#person'), '', 'the form is ready for the next person');
  await shot(page, '1-attendance-offline');
  await page.locator('#bd-waiting').scrollIntoViewIfNeeded();
  await shot(page, '2-attendance-waiting-list');
  // Someone the server will refuse: a phone number no resident has.
  await page.fill('#identity', '0912000111');
  await page.click('form[action$="/diem-danh"] button[type=submit]:not([name])');
  await page.waitForFunction(() => document.querySelectorAll('#bd-waiting li').length === 11);
  assert.doesNotMatch(nfc(await page.textContent('main')), /0912000111/, 'a number typed is not shown back whole');
  assert.deepEqual(await axeViolations(page), []);

  // The visit, on the resident's page.
  await visitPage.check('input[name="muc-vneid-install"]');
  await visitPage.fill('#next', 'Học bài gửi ảnh qua Zalo');
  await visitPage.click('form[action$="/tham"] button[type=submit]');
  await visitPage.waitForFunction(() => /Đang chờ gửi: 12 việc/.test(document.getElementById('bd-status').textContent));
  await shot(visitPage, '3-visit-offline');
  assert.deepEqual(await axeViolations(visitPage), []);
  const taken = await queue(page);
  assert.equal(taken.length, 12);
  assert.ok(taken.every((x) => x.person.startsWith('staff:') && x.wire.session), 'bound to the member and session');

  // Back online; the first sync's reply is lost after the server counted it. Whoever sends
  // (the page on `online`, or the service worker's Background Sync), the resend counts once.
  await visitPage.close();
  let lost = 0;
  const replies = [];
  await context.route('**/quan-ly/to-cong-nghe/dong-bo', async (route) => {
    const response = await route.fetch(); // the server counts it...
    if (lost === 0) {
      lost += 1;
      await route.abort('connectionreset'); // ...and the reply never arrives
      return;
    }
    const body = await response.json();
    replies.push(...body.results.map((r) => r.status));
    await route.fulfill({ response, json: body });
  });
  await context.setOffline(false);
  for (let i = 0; i < 100 && lost === 0; i += 1) await page.waitForTimeout(100);
  assert.equal(lost, 1, 'the queue was sent by itself when the network returned, and its reply lost');
  // The next page load sends what is left.
  await page.reload();
  for (let i = 0; i < 100; i += 1) {
    if (!(await queue(page)).some((x) => x.state !== 'refused')) break;
    await page.waitForTimeout(200);
  }
  await context.unroute('**/quan-ly/to-cong-nghe/dong-bo');
  await shot(page, '4-back-online');
  assert.ok(replies.length >= 12, JSON.stringify(replies));
  assert.ok(replies.every((s) => ['counted', 'duplicate', 'refused'].includes(s)), JSON.stringify(replies));
  // (The page and the service worker may both send what is left: each answer is the first's.)
  // Counted once: the first send's, not again.
  await page.goto(classUrl);
  assert.match(nfc(await page.textContent('main')), /Có mặt: 10\b/);
  await page.waitForSelector('#bd-refused li');
  const refused = nfc(await page.textContent('#bd-refused'));
  assert.match(refused, /Điểm danh: người có số đuôi 111: .*chưa có trong danh sách người dân/);
  assert.equal((await queue(page)).length, 1, 'the refused item is kept for review');
  await page.locator('#bd-refused').scrollIntoViewIfNeeded();
  await shot(page, '5-refused-shown');
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  assert.match(nfc(await page.textContent('section[aria-labelledby=figures]')), /Lượt thăm\s*1(?!\d)/);
  // The phone is shared: the member signs out, a villager signs in with VNeID, registers
  // and signs out again. The villager's sign-out takes only the villager's data: the item
  // still waiting for the member stays on the phone.
  await Promise.all([page.waitForNavigation(), page.click('form.signout button')]);
  await page.goto(`${BASE}/dang-nhap`);
  await signInWithVneid(page, 'vivankhanh');
  await registerInCommune(page, 'cac son');
  assert.equal(new URL(page.url()).pathname, '/toi');
  const signOut = page.waitForResponse((r) => new URL(r.url()).pathname === '/dang-xuat');
  await Promise.all([page.waitForNavigation(), page.click('form.signout button')]);
  assert.equal((await (await signOut).allHeaders())['clear-site-data'], '"cache"', 'the storage is kept for the member');
  await signIn(page, MEMBER, MEMBER_PASSWORD);
  await page.goto(classUrl);
  await page.waitForSelector('#bd-refused li');
  assert.equal((await queue(page)).length, 1, "the member's item survived the villager's sign-out");
  // Discarding it is the member's choice.
  await page.click('#bd-refused button');
  await page.waitForFunction(() => !document.querySelector('#bd-refused li'));
  assert.deepEqual(await queue(page), []);
  assert.deepEqual(errors, []);
  await context.close();
});
