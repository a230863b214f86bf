// A village team's shared device and supervised exam in a real browser (issue 19, items 5 and
// 6). At 360×640, a Youth Union member at an evening class marks three villagers present by
// their cards, and they take the module quiz in turns on the member's phone: the learner now is
// shown big, "Người tiếp theo" hands the phone on in one tap, and each answer is counted for its
// own learner (the list of those present says how far each is, an unfinished quiz resumes
// where that learner left it, and learner 2 goes on from their own question on their own phone
// after joining by the class's QR code, which the shipped decoder reads back as the page's
// whole address). Then a supervised exam: a QR text that is not a card is refused, the card's
// QR code photographed through the page's scanner starts it; it is flagged as too fast, and the
// commune admin voids it (a void without a reason is refused on the page).
// axe-core (WCAG 2.2 AA) on every new page; screenshots in out/assisted/; one look at 1366×768.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import QRCode from 'qrcode';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc } from '../lib/harness.mjs';

const USER = process.env.BINHDAN_E2E_STAFF_USER;
const PASSWORD = process.env.BINHDAN_E2E_STAFF_PASSWORD;
const MEMBER = 'e2e.may-chung';
const COMMUNE_ADMIN = 'e2e.xa-thi-ho';
const STAFF_PASSWORD = 'mật khẩu của tổ công nghệ số 2026';
const OUT = new URL('../out/assisted/', import.meta.url).pathname;
// The decoder the pages ship, to read the join code's QR code back as a phone would.
const JSQR = new URL('../../crates/binhdan-web/static/jsqr.js', import.meta.url).pathname;
// Three villagers' card QR texts (valid: province 038, the century-and-sex digit, birth year).
const LEARNERS = [
  { name: 'Đỗ Văn Tâm', card: '038062004411|187654321|Đỗ Văn Tâm|05051962|Nam|Thôn Một, xã Các Sơn|01072021' },
  { name: 'Lò Thị Mai', card: '038158004422||Lò Thị Mai|06061958|Nữ|Thôn Một, xã Các Sơn|01072021' },
  { name: 'Hà Văn Phúc', card: '038071004433||Hà Văn Phúc|07071971|Nam|Thôn Một, xã Các Sơn|01072021' },
];
const PHONE = { viewport: { width: 360, height: 640 }, bypassCSP: true };

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

async function submit(page, selector) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response;
}

/** Answers the question on the page's quiz form (the first option, or the ordering's steps in
 * the order shown). */
async function answer(page) {
  const form = 'main form.quiz';
  if (await page.$(`${form} button.step`)) {
    while (await page.$(`${form} button.step`)) await submit(page, `${form} button.step >> nth=0`);
    return;
  }
  await page.check(`${form} label.option input >> nth=0`);
  await submit(page, `${form} button[type=submit]:not(.step)`);
}

/** The question shown: [whole, its number, how many]. */
const question = async (page) => nfc(await page.textContent('main')).match(/Câu (\d+) \/ (\d+)/);

/** The status line of `name` in the shared device's list of those present. */
async function statusOf(page, name) {
  const rows = await page.$$eval('ul.picks li', (lis) => lis.map((li) => li.textContent));
  const row = rows.map(nfc).find((r) => r.includes(name));
  assert.ok(row, `${name} is listed among those present`);
  return row;
}

/** The member's phone holds the learner now: their name big, the answer recorded for them. */
async function holds(page, name) {
  assert.equal(nfc(await page.textContent('#learner-now')), name);
  const [size, body] = await page.evaluate(() => [
    parseFloat(getComputedStyle(document.getElementById('learner-now')).fontSize),
    parseFloat(getComputedStyle(document.body).fontSize),
  ]);
  assert.ok(size >= 1.5 * body, `the learner's name is big (${size} px)`);
}

test('three villagers take the quiz on the member’s phone, then a supervised exam is voided', { timeout: TIMEOUT * 4 }, async () => {
  const admin = await (await browser.newContext(contextOptions(PHONE))).newPage();
  await signIn(admin, USER, PASSWORD);

  // A village of commune 16591 (teams.test.mjs takes the first, scan.test.mjs the last), a
  // facilitator appointed to its team, and the commune's admin.
  await admin.goto(`${BASE}/don-vi/16591`);
  const villages = await admin.$$eval('main a[href^="/don-vi/16591"]', (links) =>
    links.map((a) => a.getAttribute('href').split('/').pop()).filter((c) => /^16591\d{3}$/.test(c)),
  );
  assert.ok(villages.length >= 3, `commune 16591 has villages (${villages})`);
  const village = villages[1];
  for (const [username, name, role, unit] of [
    [MEMBER, 'Đoàn viên Nguyễn Thu Hà', 'village_facilitator', village],
    [COMMUNE_ADMIN, 'Cán bộ xã Các Sơn', 'commune_admin', '16591'],
  ]) {
    await admin.goto(`${BASE}/quan-ly/can-bo`);
    await admin.fill('#username', username);
    await admin.fill('#name', name);
    await admin.fill('#password', STAFF_PASSWORD);
    await admin.selectOption('#role', role);
    await admin.fill('#other_unit', unit);
    await submit(admin, 'form[action="/quan-ly/can-bo"] button[type=submit]');
    assert.match(nfc(await admin.textContent('[role=status]')), new RegExp(username.replace('.', '\\.')));
  }
  await admin.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  await admin.fill('#username', MEMBER);
  await submit(admin, 'form[action$="/thanh-vien"] button[type=submit]');

  // The member opens an evening class and marks the three present by their cards (registered
  // from the card: they are not on the roster yet).
  const page = await (await browser.newContext(contextOptions(PHONE))).newPage();
  await signIn(page, MEMBER, STAFF_PASSWORD);
  await page.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  await submit(page, 'form[action$="/lop"] button[type=submit]');
  const classUrl = page.url();
  assert.match(new URL(classUrl).pathname, /^\/quan-ly\/lop-hoc\/\d+$/);
  for (const l of LEARNERS) {
    await page.fill('#card', l.card);
    await submit(page, 'form[action$="/diem-danh"] button[name=register]');
    assert.match(nfc(await page.textContent('[role=status]')), /Đã điểm danh/);
  }
  assert.match(nfc(await page.textContent('main')), /Có mặt: 3/);

  // The shared device: nobody holds it yet; those present are big targets.
  await submit(page, 'a[href$="/may-chung"]');
  assert.equal(nfc(await page.textContent('h1')), 'Học trên máy của tổ');
  assert.match(nfc(await page.textContent('main')), /Chạm vào tên của người sẽ cầm máy/);
  for (const box of await Promise.all((await page.$$('ul.picks a')).map((a) => a.boundingBox()))) {
    assert.ok(box.height >= 44, `a name to pick is at least 44 px high (${box.height})`);
  }
  await check(page, 'may-chung');

  // Learner 1 answers two questions; each answer is said to be recorded for them.
  await submit(page, `ul.picks a:has-text("${LEARNERS[0].name}")`);
  await holds(page, LEARNERS[0].name);
  assert.deepEqual((await question(page)).slice(1, 2), ['1']);
  await check(page, 'may-chung-nguoi-1');
  await answer(page);
  assert.match(nfc(await page.textContent('#assist-marked')), new RegExp(`ghi cho ${LEARNERS[0].name}`));
  await check(page, 'may-chung-nguoi-1-da-tra-loi');
  await answer(page);
  const total = Number((await question(page))[2]);
  assert.ok(total >= 4, `the module quiz has ${total} questions`);

  // "Người tiếp theo": one tap, obvious, and the phone is learner 2's; they answer one.
  const next = await page.$('#next-learner');
  assert.match(nfc(await next.textContent()), new RegExp(`Người tiếp theo: ${LEARNERS[1].name}`));
  const box = await next.boundingBox();
  assert.ok(box.height >= 44 && box.width >= 300, `the next-learner button is big (${box.width}×${box.height})`);
  await submit(page, '#next-learner');
  await holds(page, LEARNERS[1].name);
  assert.deepEqual((await question(page)).slice(1, 2), ['1'], 'learner 2 starts at their own first question');
  await answer(page);
  assert.match(nfc(await page.textContent('#assist-marked')), new RegExp(`ghi cho ${LEARNERS[1].name}`));
  await check(page, 'may-chung-nguoi-2');

  // Learner 3 answers three.
  await submit(page, '#next-learner');
  await holds(page, LEARNERS[2].name);
  for (let i = 0; i < 3; i++) await answer(page);
  await check(page, 'may-chung-nguoi-3');

  // Each one's answers counted for them: the list of those present says so, and learner 1's
  // quiz resumes at their third question.
  assert.match(await statusOf(page, LEARNERS[0].name), new RegExp(`đã trả lời 2/${total} câu`));
  assert.match(await statusOf(page, LEARNERS[1].name), new RegExp(`đã trả lời 1/${total} câu`));
  assert.match(await statusOf(page, LEARNERS[2].name), new RegExp(`đã trả lời 3/${total} câu`));
  await submit(page, '#next-learner');
  await holds(page, LEARNERS[0].name);
  assert.deepEqual((await question(page)).slice(1, 2), ['3'], 'learner 1 goes on from their own question');

  // Once at a laptop's size too.
  const wide = await (await browser.newContext(contextOptions({ viewport: { width: 1366, height: 768 }, bypassCSP: true }))).newPage();
  await signIn(wide, MEMBER, STAFF_PASSWORD);
  await wide.goto(`${page.url()}`);
  await holds(wide, LEARNERS[0].name);
  await check(wide, 'may-chung-1366');
  await wide.context().close();

  // The class's join code: a QR code of a whole address, for learner 2's own phone.
  await page.goto(classUrl);
  await submit(page, 'form[action$="/ma-vao"] button[type=submit]');
  const qr = await page.$('main .join-qr svg');
  assert.ok(qr, 'the join code is shown as a QR code');
  const qrBox = await qr.boundingBox();
  assert.ok(qrBox.width >= 150 && qrBox.height >= 150, `the QR code is big enough to scan (${qrBox.width})`);
  const link = await page.getAttribute('main .join-link a', 'href');
  assert.ok(link.startsWith(`${BASE}/lop/`), `the address is a whole one (${link})`);
  await check(page, 'ma-vao-lop');
  const shot = (await qr.screenshot()).toString('base64');
  await page.addScriptTag({ path: JSQR });
  const read = await page.evaluate(async (png) => {
    const img = new Image();
    img.src = `data:image/png;base64,${png}`;
    await img.decode();
    const canvas = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    // eslint-disable-next-line no-undef
    return jsQR(ctx.getImageData(0, 0, img.width, img.height).data, img.width, img.height)?.data;
  }, shot);
  assert.equal(read, link, 'a phone scanning the QR code opens the join page');

  const own = await (await browser.newContext(contextOptions(PHONE))).newPage();
  await own.goto(link);
  await check(own, 'vao-lop');
  // Someone not marked present: told what to do, in Vietnamese.
  await own.fill('#identity', '038090099999');
  assert.equal((await submit(own, 'main button[type=submit]')).status(), 422);
  assert.match(nfc(await own.textContent('[role=alert]')), /chưa được điểm danh ở lớp này/);
  await own.fill('#identity', LEARNERS[1].card.slice(0, 12));
  await submit(own, 'main button[type=submit]');
  assert.match(new URL(own.url()).pathname, /^\/lop\/\d+\/hoc$/);
  assert.match(nfc(await own.textContent('main')), new RegExp(`với tư cách ${LEARNERS[1].name}`));
  assert.deepEqual((await question(own)).slice(1, 2), ['2'], 'learner 2 goes on from their own question');
  await check(own, 'lop-hoc-dien-thoai-rieng');
  await own.context().close();

  // A supervised exam for learner 3, identified by their card's QR text.
  await page.goto(`${BASE}/quan-ly/thi-ho`);
  await check(page, 'thi-ho');
  await page.fill('#card', 'https://example.com/khong-phai-the');
  await page.check('input[name=attest]');
  assert.equal((await submit(page, 'form[action="/quan-ly/thi-ho"] button[type=submit]')).status(), 422);
  assert.match(nfc(await page.textContent('[role=alert]')), /không phải mã QR của thẻ căn cước/);
  // The member ticks the statement, then photographs the card's QR code: the page's scanner
  // reads it and starts the sitting.
  await page.check('input[name=attest]');
  const cardQr = await QRCode.toBuffer([{ data: LEARNERS[2].card, mode: 'byte' }], { errorCorrectionLevel: 'M', margin: 4, scale: 6 });
  await Promise.all([
    page.waitForURL((u) => /^\/quan-ly\/thi-ho\/\d+$/.test(new URL(u).pathname), { timeout: 30_000 }),
    page.setInputFiles('#scan-photo', { name: 'the.png', mimeType: 'image/png', buffer: cardQr }),
  ]);
  assert.match(new URL(page.url()).pathname, /^\/quan-ly\/thi-ho\/\d+$/);
  assert.match(nfc(await page.textContent('h1')), new RegExp(LEARNERS[2].name));
  await check(page, 'thi-ho-cau-hoi');
  for (let guard = 0; (await page.$('main form.quiz')) && guard < 80; guard++) await answer(page);
  assert.match(nfc(await page.textContent('main')), /Kết quả/);
  assert.ok(await page.$('main a[href="/quan-ly/thi-ho"]'), 'a way on to the next candidate');
  await check(page, 'thi-ho-ket-qua');

  // The commune admin: the sitting is flagged (far too fast); a void needs a reason.
  const commune = await (await browser.newContext(contextOptions(PHONE))).newPage();
  await signIn(commune, COMMUNE_ADMIN, STAFF_PASSWORD);
  await commune.goto(`${BASE}/quan-ly/xa/16591/thi-ho`);
  const card = commune.locator('main section.card', { hasText: LEARNERS[2].name });
  assert.match(nfc(await card.textContent()), /làm quá nhanh/);
  await check(commune, 'xem-xet');
  const [refused] = await Promise.all([commune.waitForNavigation(), card.locator('button[value=huy]').click()]);
  assert.equal(refused.status(), 422);
  const again = commune.locator('main section.card', { hasText: LEARNERS[2].name });
  assert.match(nfc(await again.locator('[role=alert]').textContent()), /Chưa ghi lý do\. Hãy ghi lý do quyết định/);
  await check(commune, 'xem-xet-thieu-ly-do');
  await again.locator('input[name=reason]').fill('Làm bài quá nhanh, không có người chứng kiến');
  await Promise.all([commune.waitForNavigation(), again.locator('button[value=huy]').click()]);
  assert.match(nfc(await commune.locator('main section.card', { hasText: LEARNERS[2].name }).textContent()), /Xã đã hủy kết quả này\. Lý do: Làm bài quá nhanh/);
  await check(commune, 'xem-xet-da-huy');
});
