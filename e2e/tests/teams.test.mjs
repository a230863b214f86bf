// A village's community digital technology team in a real browser, on a phone-sized screen:
// the province appoints a facilitator to the team; the member registers a villager, opens a
// class at the cultural house, marks the villager present by the text of their identity
// card's QR code (a code that is not a card is refused with a clear message, and a resent
// form counts once), and records a visit with the province's checklist. axe-core on every
// page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc } from '../lib/harness.mjs';

const USER = process.env.BINHDAN_E2E_STAFF_USER;
const PASSWORD = process.env.BINHDAN_E2E_STAFF_PASSWORD;
const MEMBER = 'e2e.to-cong-nghe';
const MEMBER_PASSWORD = 'mật khẩu của tổ công nghệ số';
const CCCD = '038185012377';
const CARD = `${CCCD}|123456789|Hà Thị Lan|12031985|Nữ|Thôn Một, xã Hà Trung, Thanh Hóa|15062021`;
const OUT = new URL('../out/teams/', import.meta.url).pathname;

let browser;
before(async () => {
  assert.ok(USER && PASSWORD, 'run through e2e/run.sh, which creates the staff account');
  browser = await launch();
  mkdirSync(OUT, { recursive: true });
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

test('a team member takes attendance by card QR and records a visit', { timeout: TIMEOUT * 2 }, async () => {
  const phone = { viewport: { width: 360, height: 640 }, bypassCSP: true };
  const admin = await (await browser.newContext(contextOptions(phone))).newPage();
  await signIn(admin, USER, PASSWORD);

  // A village of commune 16591 and a facilitator for it.
  await admin.goto(`${BASE}/don-vi/16591`);
  const village = await admin.$$eval('main a[href^="/don-vi/16591"]', (links) =>
    links.map((a) => a.getAttribute('href').split('/').pop()).find((c) => /^16591\d{3}$/.test(c)),
  );
  assert.match(village, /^16591\d{3}$/);
  await admin.goto(`${BASE}/quan-ly/can-bo`);
  await admin.fill('#username', MEMBER);
  await admin.fill('#name', 'Tổ trưởng thử nghiệm');
  await admin.fill('#password', MEMBER_PASSWORD);
  await admin.selectOption('#role', 'village_facilitator');
  await admin.fill('#other_unit', village);
  await Promise.all([admin.waitForNavigation(), admin.click('form[action="/quan-ly/can-bo"] button[type=submit]')]);
  assert.match(nfc(await admin.textContent('[role=status]')), new RegExp(MEMBER.replace('.', '\\.')));

  // The province appoints them to the village's team.
  await admin.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  assert.deepEqual(await axeViolations(admin), []);
  await admin.fill('#username', MEMBER);
  await Promise.all([admin.waitForNavigation(), admin.click(`form[action$="/thanh-vien"] button[type=submit]`)]);
  assert.match(nfc(await admin.textContent('main')), /Tổ trưởng thử nghiệm/);

  // The member, on their phone: their home links to the team.
  const page = await (await browser.newContext(contextOptions(phone))).newPage();
  await signIn(page, MEMBER, MEMBER_PASSWORD);
  await page.goto(`${BASE}/quan-ly/nguoi/moi`);
  await page.selectOption('#unit', village);
  await page.fill('#name', 'Hà Thị Lan');
  await page.fill('#cccd', CCCD);
  await page.fill('#birth', '12/03/1985');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/quan-ly/nguoi/moi"] button[type=submit]')]);
  assert.match(nfc(await page.textContent('[role=status]')), /Hà Thị Lan/);
  // More neighbours than a page of whom to visit next (20): 24 registered the same way.
  {
    const csrf = await page.inputValue('form[action="/quan-ly/nguoi/moi"] input[name=csrf]');
    for (let n = 10; n < 34; n += 1) {
      const r = await page.request.post(`${BASE}/quan-ly/nguoi/moi`, {
        form: { csrf, unit: village, name: `Đỗ Văn ${String.fromCharCode(55 + n)}`, cccd: `0380900200${n}`, birth: '01/01/1990', sex: '', phone: '' },
      });
      assert.ok(r.status() < 400, `neighbour ${n}: ${r.status()} ${(await r.text()).match(/class="errors">(.*?)<\/ul>/s)?.[1]}`);
    }
  }

  await page.goto(`${BASE}/quan-ly`);
  const [opened] = await Promise.all([page.waitForNavigation(), page.click(`a[href="/quan-ly/to-cong-nghe/${village}"]`)]);
  const bytes = (await opened.body()).length;
  assert.ok(bytes <= 30_000, `the workspace weighs ${bytes} bytes`);
  const workspace = nfc(await page.textContent('main'));
  assert.match(workspace, /Hà Thị Lan/);
  assert.match(workspace, /Chưa bắt đầu học/, 'whom to visit next');
  assert.ok(!(await page.content()).includes(CCCD), 'the CCCD is masked');
  assert.deepEqual(await axeViolations(page), []);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the workspace fits a 360 px screen (${width})`);

  // Whom to visit next, 20 at a time (issue 19): the demo's village has more, and "Xem thêm"
  // leads on to the next 20, numbered on, without JavaScript.
  const nextNames = (p) => p.$$eval('section[aria-labelledby=next] ol > li > a', (a) => a.map((x) => x.textContent));
  const firstNext = await nextNames(page);
  assert.equal(firstNext.length, 20, 'a page of people to visit');
  {
    const plain = await (await browser.newContext(contextOptions({ ...phone, javaScriptEnabled: false }))).newPage();
    await signIn(plain, MEMBER, MEMBER_PASSWORD);
    await plain.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
    assert.deepEqual(await nextNames(plain), firstNext);
    const more = plain.locator('section[aria-labelledby=next] a[rel=next]');
    assert.equal(nfc(await more.textContent()), 'Xem thêm');
    await Promise.all([plain.waitForNavigation(), more.click()]);
    assert.match(plain.url(), /[?&]tham=2(&|$|#)/);
    const second = await nextNames(plain);
    assert.ok(second.length > 0 && second.length <= 20, `the next page (${second.length})`);
    assert.ok(second.every((n) => !firstNext.includes(n)), 'nobody twice');
    assert.equal(await plain.$eval('section[aria-labelledby=next] ol', (o) => o.start), 21);
    assert.ok(await plain.$('section[aria-labelledby=next] a[rel=prev]'), 'a way back');
    const wide = await plain.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `the second page fits a 360 px screen (${wide})`);
    await plain.screenshot({ path: `${OUT}team-next-2-phone.png`, fullPage: true });
    await plain.context().close();
    await page.goto(`${BASE}/quan-ly/to-cong-nghe/${village}?tham=2`);
    assert.deepEqual(await axeViolations(page), []);
  }

  // A name looked up among the residents, typed without diacritics as on a cheap keyboard.
  await page.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  await page.fill('#tim', 'ha thi lan');
  await Promise.all([page.waitForNavigation(), page.click('form[role=search] button[type=submit]')]);
  const found = await page.$$eval('section[aria-labelledby=residents] li > a', (a) => a.map((x) => x.textContent));
  assert.deepEqual(found.map(nfc), ['Hà Thị Lan']);
  assert.match(nfc(await page.textContent('section[aria-labelledby=residents] [role=status]')), /Tìm thấy 1 người/);
  assert.deepEqual(await axeViolations(page), []);
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360);
  await page.screenshot({ path: `${OUT}team-residents-search-phone.png`, fullPage: true });

  // A class at the cultural house.
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/lop"] button[type=submit]')]);
  assert.match(new URL(page.url()).pathname, /^\/quan-ly\/lop-hoc\/\d+$/);
  const classUrl = page.url();
  assert.deepEqual(await axeViolations(page), []);

  // A QR code that is not a card: refused, and told why.
  await page.fill('#card', 'https://example.com/khong-phai-the');
  const [refused] = await Promise.all([page.waitForNavigation(), page.click('form[action$="/diem-danh"] button[type=submit]')]);
  assert.equal(refused.status(), 422);
  assert.match(nfc(await page.textContent('main')), /không phải mã QR của thẻ căn cước/);

  // The card: marked present, once, even when the form is sent twice.
  await page.goto(classUrl);
  await page.fill('#card', CARD);
  const op = await page.inputValue('form[action$="/diem-danh"] input[name=op]');
  const csrf = await page.inputValue('form[action$="/diem-danh"] input[name=csrf]');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/diem-danh"] button[type=submit]')]);
  assert.match(nfc(await page.textContent('[role=status]')), /Đã điểm danh/);
  const resent = await page.request.post(`${classUrl}/diem-danh`, {
    form: { csrf, op, card: CARD },
    maxRedirects: 0,
  });
  assert.equal(resent.status(), 303);
  await page.goto(classUrl);
  assert.match(nfc(await page.textContent('main')), /Có mặt: 1/);
  assert.match(nfc(await page.textContent('main > ol')), /Hà Thị Lan — quét thẻ/);
  assert.deepEqual(await axeViolations(page), []);

  // A visit with the checklist, on the person's page.
  await page.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  await Promise.all([page.waitForNavigation(), page.click('section[aria-labelledby=residents] a[href*="/nguoi/"]:has-text("Hà Thị Lan")')]);
  assert.deepEqual(await axeViolations(page), []);
  await page.check('input[name="muc-vneid-install"]');
  await page.fill('#next', 'Học bài gửi ảnh qua Zalo');
  await page.fill('#household', 'Hộ bà Lan');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/tham"] button[type=submit]')]);
  assert.match(nfc(await page.textContent('[role=status]')), /Đã ghi lần thăm/);
  assert.match(nfc(await page.textContent('main')), /Cài ứng dụng VNeID/);
  await page.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  const figures = nfc(await page.textContent('section[aria-labelledby=figures]'));
  assert.match(figures, /Lượt thăm\s*1/);
  assert.match(figures, /Người đã tiếp cận\s*1/);
  assert.match(nfc(await page.textContent('main')), /Hộ bà Lan/);
});
