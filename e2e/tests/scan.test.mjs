// Attendance at a village class by the QR code on citizen identity cards, read in the browser
// by the page's own decoder (static/jsqr.js, no CDN), on a 360×640 phone. Real QR images of
// card texts are made here (npm `qrcode`), photographed on a mock card (a screenshot at
// 2400×1800, tilted, as a phone's photo would be) and fed through the photo fallback
// (`setInputFiles`): five learners are marked present once each (four on the roster, one
// registered from their card in the second tap), a QR code that is not a card and a photo
// without one are refused with the reason shown, and the rear camera (Chromium's fake camera
// playing a video of a card's QR code) marks a learner too; refused permission and a browser
// without a camera say so. Without JavaScript, a photo is sent to the server, which reads the
// code (binhdan-qr) and marks the learner the same way.
// Screenshots in out/scan/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import QRCode from 'qrcode';
import { BASE, CHROMIUM, LAUNCH_ARGS, TIMEOUT, axeViolations, contextOptions, nfc } from '../lib/harness.mjs';

const OUT = fileURLToPath(new URL('../out/scan/', import.meta.url));
const USER = process.env.BINHDAN_E2E_STAFF_USER;
const PASSWORD = process.env.BINHDAN_E2E_STAFF_PASSWORD;
const MEMBER = 'e2e.quet-the';
const MEMBER_PASSWORD = 'mật khẩu người quét thẻ';
const PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

/** Five learners: number, name, birth (dd/mm/yyyy), sex as the card prints it. The number's
 * 4th digit says sex and century, the 5th–6th the birth year, as `CardQr::parse` checks. */
const LEARNERS = [
  { cccd: '038060987651', name: 'Lê Văn Tâm', birth: '05/04/1960', sex: 'Nam' },
  { cccd: '038162987652', name: 'Nguyễn Thị Huệ', birth: '17/09/1962', sex: 'Nữ' },
  { cccd: '038070987653', name: 'Trịnh Đình Khoa', birth: '01/01/1970', sex: 'Nam' },
  { cccd: '038175987654', name: 'Phạm Thị Mận', birth: '23/11/1975', sex: 'Nữ' },
  { cccd: '038055987655', name: 'Hoàng Văn Sáu', birth: '30/06/1955', sex: 'Nam' },
];
const cardText = (p) =>
  `${p.cccd}||${p.name}|${p.birth.replaceAll('/', '')}|${p.sex}|Thôn Đông, xã Hà Trung, Thanh Hóa|10052022`;

let browser;
let tmp;
/** The class opened by the first test (the second one opens it without JavaScript). */
let classUrl;
before(async () => {
  assert.ok(USER && PASSWORD, 'run through e2e/run.sh, which creates the staff account');
  mkdirSync(OUT, { recursive: true });
  tmp = join(tmpdir(), `binhdan-scan-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  // The fake camera plays a video of a card's QR code (made below) as the rear camera.
  const y4m = join(tmp, 'camera.y4m');
  writeFileSync(y4m, qrVideo(cardText(LEARNERS[0])));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...LAUNCH_ARGS, '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
    timeout: 60_000,
  });
});
after(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A card's QR code as the card has it: one byte-mode segment (UTF-8). */
function qrOf(text) {
  return QRCode.create([{ data: text, mode: 'byte' }], { errorCorrectionLevel: 'M' });
}

/** 640×480 video (YUV4MPEG2, 4:2:0, 10 frames a second): 1.5 s of grey (the member aims),
 * then 1 s of `text`'s QR code, 6 px a module. */
function qrVideo(text) {
  const { modules } = qrOf(text);
  const [w, h, cell] = [640, 480, 6];
  const size = modules.size * cell;
  const [x0, y0] = [(w - size) >> 1, (h - size) >> 1];
  const y = Buffer.alloc(w * h, 235);
  for (let r = 0; r < modules.size; r++) {
    for (let c = 0; c < modules.size; c++) {
      if (!modules.get(r, c)) continue;
      for (let dy = 0; dy < cell; dy++) y.fill(16, (y0 + r * cell + dy) * w + x0 + c * cell, (y0 + r * cell + dy) * w + x0 + (c + 1) * cell);
    }
  }
  const chroma = Buffer.alloc((w / 2) * (h / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma]);
  const grey = Buffer.concat([Buffer.from('FRAME\n'), Buffer.alloc(w * h, 128), chroma]);
  return Buffer.concat([
    Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`),
    ...Array(15).fill(grey),
    ...Array(10).fill(frame),
  ]);
}

/** A phone's photo of a card lying on a table: the card tilted, its QR code `qr` (a data:
 * URL, or none), JPEG at 2400×1800. */
async function cardPhoto(qr, name) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 });
  try {
    const page = await context.newPage();
    await page.setContent(`<body style="margin:0;background:#8d7b68;height:900px;display:flex;align-items:center;justify-content:center">
      <div style="width:760px;height:480px;border-radius:24px;background:linear-gradient(135deg,#e8f1f8,#c9dcea);transform:rotate(-7deg);position:relative;font:28px sans-serif;color:#1a2a5a;box-shadow:0 10px 30px #0006">
        <div style="position:absolute;left:40px;top:40px;font-weight:bold">CĂN CƯỚC CÔNG DÂN</div>
        <div style="position:absolute;left:40px;top:200px">${name}</div>
        ${qr ? `<img src="${qr}" style="position:absolute;right:36px;top:30px;width:230px;height:230px">` : ''}
      </div></body>`);
    return await page.screenshot({ type: 'jpeg', quality: 85 });
  } finally {
    await context.close();
  }
}

async function signIn(page, user, password) {
  await page.goto(`${BASE}/dang-nhap/can-bo`);
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/quan-ly');
}

const present = async (page) => Number(/Có mặt: (\d+)/.exec(nfc(await page.textContent('main')))?.[1]);

test('a class of 5 marked present by photos of their cards\' QR codes', { timeout: TIMEOUT * 3 }, async () => {
  // A village of commune 16591 (not the one teams.test.mjs uses) and a team member for it.
  const admin = await (await browser.newContext(contextOptions())).newPage();
  await signIn(admin, USER, PASSWORD);
  await admin.goto(`${BASE}/don-vi/16591`);
  const villages = await admin.$$eval('main a[href^="/don-vi/16591"]', (links) =>
    links.map((a) => a.getAttribute('href').split('/').pop()).filter((c) => /^16591\d{3}$/.test(c)),
  );
  assert.ok(villages.length >= 2, `commune 16591 has villages (${villages})`);
  const village = villages[villages.length - 1];
  await admin.goto(`${BASE}/quan-ly/can-bo`);
  await admin.fill('#username', MEMBER);
  await admin.fill('#name', 'Người quét thẻ');
  await admin.fill('#password', MEMBER_PASSWORD);
  await admin.selectOption('#role', 'village_facilitator');
  await admin.fill('#other_unit', village);
  await Promise.all([admin.waitForNavigation(), admin.click('form[action="/quan-ly/can-bo"] button[type=submit]')]);
  await admin.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  await admin.fill('#username', MEMBER);
  await Promise.all([admin.waitForNavigation(), admin.click('form[action$="/thanh-vien"] button[type=submit]')]);
  assert.match(nfc(await admin.textContent('main')), /Người quét thẻ/);

  // The member's phone: four of the five are on the village's roster.
  const context = await browser.newContext(contextOptions(PHONE));
  const page = await context.newPage();
  await signIn(page, MEMBER, MEMBER_PASSWORD);
  for (const p of LEARNERS.slice(0, 4)) {
    await page.goto(`${BASE}/quan-ly/nguoi/moi`);
    await page.selectOption('#unit', village);
    await page.fill('#name', p.name);
    await page.fill('#cccd', p.cccd);
    await page.fill('#birth', p.birth);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/quan-ly/nguoi/moi"] button[type=submit]')]);
    assert.match(nfc(await page.textContent('[role=status]')), new RegExp(p.name));
  }
  await page.goto(`${BASE}/quan-ly/to-cong-nghe/${village}`);
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/lop"] button[type=submit]')]);
  classUrl = page.url();
  assert.match(new URL(classUrl).pathname, /^\/quan-ly\/lop-hoc\/\d+$/);

  // The scanner is offered: two big buttons, the page still fits the phone.
  await page.waitForSelector('#scan-camera', { state: 'visible' });
  await page.waitForSelector('label.scan-photo', { state: 'visible' });
  for (const sel of ['#scan-camera', 'label.scan-photo']) {
    const box = await page.locator(sel).boundingBox();
    assert.ok(box.height >= 48 && box.width >= 280, `${sel} is a big target (${box.width}×${box.height})`);
  }
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'fits 360 px');
  // The server's photo form is for a browser without the scanner: not offered twice.
  assert.equal(await page.isVisible('#photo-form'), false);
  await page.screenshot({ path: `${OUT}1-class.png` });

  // A photo without any QR code, and a QR code that is not a card: said, nothing sent.
  await page.setInputFiles('#scan-photo', { name: 'anh.jpg', mimeType: 'image/jpeg', buffer: await cardPhoto(null, 'Không có mã') });
  await page.waitForFunction(() => /Không tìm thấy mã QR/.test(document.getElementById('scan-status').textContent.normalize('NFC')));
  // The phone found none: the server may, so its photo form is offered now.
  assert.ok(await page.isVisible('#photo-form'));
  await page.screenshot({ path: `${OUT}2-no-qr.png` });
  const notCard = await QRCode.toBuffer('https://dichvucong.gov.vn/p/home/dvc-trang-chu.html', { margin: 4, scale: 8 });
  await page.setInputFiles('#scan-photo', { name: 'ma.png', mimeType: 'image/png', buffer: notCard });
  await page.waitForFunction(() => /không phải mã QR của thẻ căn cước/.test(document.getElementById('scan-status').textContent.normalize('NFC')));
  assert.equal(page.url(), classUrl, 'nothing was sent');
  assert.equal(await page.getAttribute('#scan-status', 'class'), 'error');
  await page.screenshot({ path: `${OUT}3-not-a-card.png` });
  assert.equal(await present(page), 0);

  // Five photos of cards: each marks its holder present.
  for (const [i, p] of LEARNERS.entries()) {
    const photo = await cardPhoto(await QRCode.toDataURL([{ data: cardText(p), mode: 'byte' }], { margin: 4, width: 400 }), p.name);
    if (i === 0) writeFileSync(`${OUT}card-photo.jpg`, photo);
    const [marked] = await Promise.all([
      page.waitForNavigation(),
      page.setInputFiles('#scan-photo', { name: `the-${i}.jpg`, mimeType: 'image/jpeg', buffer: photo }),
    ]);
    if (i === 4) {
      // Not on the roster: refused with the reason, the card kept for the second tap.
      assert.equal(marked.status(), 422);
      assert.match(nfc(await page.textContent('[role=alert]')), /chưa có trong danh sách/);
      assert.equal(nfc(await page.inputValue('#card')), cardText(p));
      await page.screenshot({ path: `${OUT}4-not-on-roster.png` });
      await Promise.all([page.waitForNavigation(), page.click('button[name=register][value="1"]')]);
      assert.equal(await page.inputValue('#card'), '', 'the card is not kept any longer');
    }
    assert.match(nfc(await page.textContent('[role=status]')), /Đã điểm danh/, `${p.name} marked`);
    assert.equal(await present(page), i + 1);
  }
  await page.screenshot({ path: `${OUT}5-five-present.png`, fullPage: true });

  // The same card again counts once.
  const again = await cardPhoto(await QRCode.toDataURL([{ data: cardText(LEARNERS[2]), mode: 'byte' }], { margin: 4, width: 400 }), 'lại');
  await Promise.all([page.waitForNavigation(), page.setInputFiles('#scan-photo', { name: 'lai.jpg', mimeType: 'image/jpeg', buffer: again })]);
  assert.match(nfc(await page.textContent('[role=status]')), /đã có mặt/);
  assert.equal(await present(page), 5);
  const list = nfc(await page.textContent('main > ol'));
  for (const p of LEARNERS) {
    assert.equal(list.split(p.name).length - 1, 1, `${p.name} listed once`);
  }
  assert.equal(list.split('quét thẻ').length - 1, 5, 'all five by card');

  // The rear camera (Chromium's fake one, playing the first card's QR code): read, sent,
  // already present.
  await context.grantPermissions(['camera'], { origin: BASE });
  await page.click('#scan-camera');
  // The picture while the member aims (the card's code comes 1.5 s in, and then the page goes).
  await page
    .waitForSelector('#scan-video', { state: 'visible', timeout: 3_000 })
    .then(() => page.screenshot({ path: `${OUT}6-camera.png` }))
    .catch(() => {});
  await page.waitForURL((u) => new URL(u).searchParams.get('co-mat') === 'roi', { timeout: 30_000 });
  assert.equal(await present(page), 5);

  // Camera refused: said, and the photo still offered. (axe here: it is injected inline,
  // which the page's policy forbids, so this context bypasses it; the member's did not.)
  const refusing = await browser.newContext(contextOptions({ ...PHONE, bypassCSP: true }));
  try {
    const p2 = await refusing.newPage();
    await signIn(p2, MEMBER, MEMBER_PASSWORD);
    await p2.goto(classUrl);
    assert.deepEqual(await axeViolations(p2), []);
    await p2.click('#scan-camera');
    await p2.waitForFunction(() => /chưa được phép/.test(document.getElementById('scan-status').textContent.normalize('NFC')));
    assert.ok(await p2.isVisible('label.scan-photo'));
    assert.deepEqual(await axeViolations(p2), []);
    await p2.screenshot({ path: `${OUT}7-camera-refused.png` });
  } finally {
    await refusing.close();
  }

  // No camera at all (an old browser, or the page not on https): only the photo is offered,
  // and the page says why.
  const cameraless = await browser.newContext(contextOptions(PHONE));
  try {
    await cameraless.addInitScript(() => Object.defineProperty(navigator, 'mediaDevices', { value: undefined }));
    const p3 = await cameraless.newPage();
    await signIn(p3, MEMBER, MEMBER_PASSWORD);
    await p3.goto(classUrl);
    await p3.waitForSelector('label.scan-photo', { state: 'visible' });
    assert.equal(await p3.isVisible('#scan-camera'), false);
    assert.match(nfc(await p3.textContent('#scan-status')), /không mở được máy ảnh.*https/);
  } finally {
    await cameraless.close();
  }
});

test('without JavaScript the class page says why scanning is not offered, and the form works', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions({ ...PHONE, javaScriptEnabled: false }));
  try {
    const page = await context.newPage();
    await signIn(page, MEMBER, MEMBER_PASSWORD);
    assert.ok(classUrl, 'the first test opened a class');
    await page.goto(classUrl);
    assert.match(nfc(await page.textContent('#scan-status')), /cần bật JavaScript/);
    assert.equal(await page.isVisible('#scan-camera'), false);
    await page.fill('#card', cardText(LEARNERS[1]));
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/diem-danh"] button[type=submit]:not([name])')]);
    assert.match(nfc(await page.textContent('[role=status]')), /đã có mặt/);
    await page.screenshot({ path: `${OUT}8-no-js.png` });

    // A photo of the card sent to the server, which reads its QR code: the same marking.
    await page.goto(classUrl);
    assert.ok(await page.isVisible('#photo-form'));
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'fits 360 px');
    const send = page.locator('#photo-form button[type=submit]');
    const box = await send.boundingBox();
    assert.ok(box.height >= 44, `the send button is a big target (${box.width}×${box.height})`);
    await page.locator('#photo-form').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT}9-no-js-photo-form.png` });
    const p = LEARNERS[3];
    const photo = await cardPhoto(await QRCode.toDataURL([{ data: cardText(p), mode: 'byte' }], { margin: 4, width: 400 }), p.name);
    await page.setInputFiles('#photo', { name: 'the.jpg', mimeType: 'image/jpeg', buffer: photo });
    await Promise.all([page.waitForNavigation(), send.click()]);
    assert.match(nfc(await page.textContent('[role=status]')), /đã có mặt/);
    assert.equal(await present(page), 5);
    // A photo without a code: the reason, the forms ready.
    await page.setInputFiles('#photo', { name: 'anh.jpg', mimeType: 'image/jpeg', buffer: await cardPhoto(null, 'Không có mã') });
    const [refused] = await Promise.all([page.waitForNavigation(), page.click('#photo-form button[type=submit]')]);
    assert.equal(refused.status(), 422);
    assert.match(nfc(await page.textContent('[role=alert]')), /Không đọc được mã QR trong ảnh — hãy chụp gần hơn, đủ sáng, giữ máy thẳng/);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'fits 360 px');
    await page.screenshot({ path: `${OUT}10-no-js-photo-refused.png` });
  } finally {
    await context.close();
  }
});
