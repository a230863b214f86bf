// Staff sign in, upload a roster, see the people of a commune with the CCCD masked, and sign
// out — in a real browser, with axe-core on every staff page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc } from '../lib/harness.mjs';

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

test('a province admin signs in, imports a roster and signs out', { timeout: TIMEOUT }, async () => {
  // bypassCSP only so that axe can be injected (as in a11y.test.mjs).
  const context = await browser.newContext(contextOptions({ bypassCSP: true }));
  const page = await context.newPage();

  await page.goto(`${BASE}/quan-ly`);
  assert.match(page.url(), /\/dang-nhap\/can-bo\?tiep=/, 'staff pages send strangers to the staff sign-in');
  assert.deepEqual(await axeViolations(page), []);

  await page.fill('#username', USER);
  await page.fill('#password', 'không phải mật khẩu');
  const refused = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(refused[0].status(), 401);
  assert.match(nfc(await page.textContent('.error')), /mật khẩu không đúng/);

  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/quan-ly');
  assert.match(nfc(await page.textContent('main')), /Quản trị cấp tỉnh/);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'binhdan');
  assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
  assert.equal(session.sameSite, 'Lax');
  assert.deepEqual(await axeViolations(page), []);

  // Upload a roster for commune 16591.
  await page.click('a[href="/quan-ly/nhap-danh-sach"]');
  assert.deepEqual(await axeViolations(page), []);
  const dir = mkdtempSync(join(tmpdir(), 'binhdan-e2e-'));
  const file = join(dir, 'danh-sach.csv');
  writeFileSync(file, '\ufeffHọ và tên,Số CCCD,Ngày sinh\nHoàng Văn Thử,038090054321,02/03/1990\n');
  await page.selectOption('#unit', '16591');
  await page.setInputFiles('#file', file);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.match(nfc(await page.textContent('[role=status]')), /1 người mới/);

  // The official population figures of the commune (the targets' denominators).
  await page.goto(`${BASE}/quan-ly`);
  await page.click('a[href="/quan-ly/nhap-dan-so"]');
  assert.deepEqual(await axeViolations(page), []);
  const figures = join(dir, 'dan-so.csv');
  writeFileSync(figures, 'Mã đơn vị,Nhóm,Số lượng\n16591,Người trưởng thành,"5.120"\n16591,Học sinh,830\n');
  await page.setInputFiles('#file', figures);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.match(nfc(await page.textContent('[role=status]')), /Đã nhập 2 số liệu/);

  // The commune's own target for adults' basic skills (K3), set on its targets page, a year
  // from today; the public progress table then measures against it.
  await page.goto(`${BASE}/quan-ly`);
  await page.click('a[href^="/quan-ly/chi-tieu/"]');
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(`${BASE}/quan-ly/chi-tieu/16591`);
  assert.deepEqual(await axeViolations(page), []);
  const next = new Date(Date.now() + 365 * 86400e3);
  const iso = next.toISOString().slice(0, 10);
  const shown = `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
  await page.fill('#percent-K3', '150');
  await page.fill('#deadline-K3', iso);
  // The browser itself refuses 150 (max=100); the server refuses it too (tested over HTTP).
  await page.fill('#percent-K3', '90');
  await Promise.all([page.waitForNavigation(), page.click('form:has(#percent-K3) button[value=dat]')]);
  assert.equal(new URL(page.url()).pathname, '/quan-ly/chi-tieu/16591');
  assert.match(nfc(await page.textContent('main')), /Đặt riêng cho đơn vị này/);
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(`${BASE}/don-vi/16591`);
  assert.ok(nfc(await page.textContent('main')).includes(`90% · ${shown}`), 'the progress table follows the target');

  // The province's dashboard: the communes ranked, then a drill-down into one, no JavaScript
  // needed (the charts are SVG drawn by the server).
  await page.goto(`${BASE}/quan-ly`);
  await Promise.all([page.waitForNavigation(), page.click('a[href^="/quan-ly/tien-do/"]')]);
  assert.match(nfc(await page.textContent('h1')), /Tiến độ của/);
  assert.equal((await page.$$('table.ranking tbody tr')).length, 40, 'the communes are ranked, 40 a page');
  assert.match(nfc(await page.textContent('main')), /Đơn vị 1–40 trong 166/);
  assert.deepEqual(await axeViolations(page), []);
  // The progress report as an administrative document (Decree 30), read back by pdf.js.
  {
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(`${BASE}/quan-ly/bao-cao/38?dinh-dang=pdf`, { headers: { cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const doc = await getDocument({ data: new Uint8Array(await res.arrayBuffer()), useSystemFonts: false, isEvalSupported: false }).promise;
    assert.equal(doc.numPages, 1);
    const sheet = await doc.getPage(1);
    assert.deepEqual(sheet.view.map((v) => Math.round(v * 100) / 100), [0, 0, 595.28, 841.89], 'A4 portrait');
    const text = nfc((await sheet.getTextContent()).items.map((i) => i.str).join(' ').replace(/\s+/g, ' '));
    for (const want of ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'Số:', '/BC-BCĐ', 'BÁO CÁO',
      'Thanh Hóa, ngày', 'K1', 'K5', 'Nơi nhận:', 'Lưu: VT', 'TRƯỞNG BAN', 'Mẫu số']) {
      assert.ok(text.includes(nfc(want)), `"${want}" in ${text}`);
    }
  }
  // Furthest behind first, then a commune's own dashboard.
  await Promise.all([page.waitForNavigation(), page.click('a:has-text("Chậm nhất trước")')]);
  assert.match(page.url(), /xep=cham-nhat/);
  await page.goto(`${BASE}/quan-ly/tien-do/16591`);
  assert.equal(new URL(page.url()).pathname, '/quan-ly/tien-do/16591');
  assert.ok(await page.$('figure.chart svg polyline'), 'the 30-day chart');
  assert.deepEqual(await axeViolations(page), []);

  // A commune admin's account, appointed by the province admin.
  await page.goto(`${BASE}/quan-ly`);
  await page.click('a[href="/quan-ly/can-bo"]');
  assert.deepEqual(await axeViolations(page), []);
  await page.fill('#username', 'e2e.xa');
  await page.fill('#name', 'Cán bộ Xã Thử');
  await page.fill('#password', 'một mật khẩu đủ dài');
  await page.selectOption('#role', 'commune_admin');
  await page.selectOption('#scope', '16591');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/quan-ly/can-bo"] button[type=submit]')]);
  assert.match(nfc(await page.textContent('[role=status]')), /e2e\.xa/);
  assert.match(nfc(await page.textContent('table')), /Cán bộ Xã Thử/);
  assert.deepEqual(await axeViolations(page), []);

  // One person registered by hand, as a facilitator would.
  await page.goto(`${BASE}/quan-ly/nguoi/moi`);
  assert.deepEqual(await axeViolations(page), []);
  await page.selectOption('#unit', '16591');
  await page.fill('#name', 'Lò Thị Mai');
  await page.fill('#cccd', '038190012398');
  await page.fill('#birth', '05/01/1990');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/quan-ly/nguoi/moi"] button[type=submit]')]);
  assert.match(nfc(await page.textContent('[role=status]')), /Đã đăng ký Lò Thị Mai/);
  assert.ok(!(await page.content()).includes('038190012398'), 'the CCCD is not shown back');
  assert.deepEqual(await axeViolations(page), []);

  await page.goto(`${BASE}/quan-ly/nguoi?don-vi=16591&q=hoang`);
  const table = nfc(await page.textContent('table'));
  assert.match(table, /Hoàng Văn Thử/);
  assert.match(table, /038\*{7}21/);
  assert.ok(!table.includes('038090054321'), 'a province admin sees the CCCD masked');
  assert.deepEqual(await axeViolations(page), []);

  // My account: the two-step sign-in enrolment shows a QR code and passes axe.
  await page.goto(`${BASE}/quan-ly`);
  await page.click('a[href="/quan-ly/tai-khoan"]');
  assert.ok(await page.$('figure.qr svg'), 'a QR code to scan');
  assert.deepEqual(await axeViolations(page), []);

  await page.goto(`${BASE}/quan-ly`);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dang-xuat"] button')]);
  const again = await page.goto(`${BASE}/quan-ly`);
  assert.match(page.url(), /\/dang-nhap/, 'signed out');
  assert.equal(again.status(), 200);
  await context.close();
});
