// Staff sign in, upload a roster, see the people of a commune with the CCCD masked, and sign
// out — in a real browser, with axe-core on every staff page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

const OUT = new URL('../out/staff/', import.meta.url).pathname;
const SIZES = [
  { name: 'phone', viewport: { width: 360, height: 640 } },
  { name: 'desktop', viewport: { width: 1366, height: 768 } },
];

async function signIn(page, password = PASSWORD) {
  await page.goto(`${BASE}/dang-nhap/can-bo`);
  await page.fill('#username', USER);
  await page.fill('#password', password);
  return (await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]))[0];
}

/** Nothing wider than the window, axe finds nothing, and a full-page screenshot is saved. */
async function fits(page, name) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${name} fits ${width} px (${scroll})`);
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
}

for (const size of SIZES) {
  test(`the people list and the audit log, ${size.name}`, { timeout: TIMEOUT }, async () => {
    mkdirSync(OUT, { recursive: true });
    const context = await browser.newContext(
      contextOptions({ viewport: size.viewport, bypassCSP: true, extraHTTPHeaders: { 'Accept-Encoding': 'gzip, br' } }),
    );
    const page = await context.newPage();
    // A mistyped password first: the audit log lists it.
    assert.equal((await signIn(page, 'không phải mật khẩu')).status(), 401);
    await signIn(page);
    assert.equal(new URL(page.url()).pathname, '/quan-ly');

    // The province's residents, 50 a page: the document and the stylesheet within 30 KB.
    const responses = [];
    page.on('response', (r) => responses.push(r));
    await page.goto(`${BASE}/quan-ly/nguoi?don-vi=38`);
    let bytes = 0;
    for (const r of responses) {
      const s = await r.request().sizes();
      bytes += s.responseBodySize + s.responseHeadersSize;
    }
    assert.ok(bytes <= 30_000, `the people page weighs ${bytes} bytes`);
    await page.screenshot({ path: `${OUT}people-${size.name}-first-screen.png` });
    const cards = await page.$$eval('table.people tbody tr', (rows) =>
      rows.map((tr) => {
        const box = tr.getBoundingClientRect();
        const cccd = tr.querySelector('td.cccd').getBoundingClientRect();
        // The point near the card's bottom right corner: a tap there opens the person.
        const hit = document.elementFromPoint(box.right - 4, box.bottom - 4);
        return {
          display: getComputedStyle(tr).display,
          height: box.height,
          cccd: cccd.width > 0,
          link: hit?.closest('a')?.getAttribute('href') ?? '',
          status: tr.querySelector('td.status strong').textContent,
          text: tr.textContent,
        };
      }),
    );
    await page.screenshot({ path: `${OUT}people-${size.name}.png`, fullPage: true });
    assert.equal(cards.length, 50, 'a page of residents');
    const head = await page.$eval('table.people thead', (t) => t.getBoundingClientRect().height);
    if (size.name === 'phone') {
      for (const c of cards) {
        assert.equal(c.display, 'grid', 'a card per person');
        assert.ok(c.height < 120, `a compact card (${c.height} px): ${c.text}`);
        assert.ok(!c.cccd, 'the CCCD is left to the person page');
      }
      // The first card is on the screen, and the whole card is the link.
      const first = await page.$eval('table.people tbody tr', (tr) => tr.getBoundingClientRect().top);
      assert.ok(first < 640, `the first person shows on the first screen (${first})`);
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      // 50 residents: about 9,000 px as a table, under 6,500 as cards.
      assert.ok(height < 6_500, `the page is ${height} px tall`);
      assert.ok(head <= 1, 'no column headings on cards');
      // Scrolled into view, a tap on a card's corner lands on its link.
      await page.$eval('table.people tbody tr', (tr) => tr.scrollIntoView());
      const hit = await page.$eval('table.people tbody tr', (tr) => {
        const box = tr.getBoundingClientRect();
        return document.elementFromPoint(box.right - 4, box.bottom - 4)?.closest('a')?.getAttribute('href') ?? '';
      });
      assert.match(hit, /^\/quan-ly\/nguoi\/\d+$/);
    } else {
      for (const c of cards) assert.equal(c.display, 'table-row');
      assert.ok(cards.every((c) => c.cccd), 'the CCCD column at desktop widths');
      assert.ok(head > 10, 'column headings');
    }
    await fits(page, `people-${size.name}`);
    // The filters work on a phone too.
    await page.selectOption('#tinh-trang', 'chua-bat-dau');
    await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
    assert.match(page.url(), /tinh-trang=chua-bat-dau/);
    const statuses = await page.$$eval('table.people td.status strong', (s) => s.map((x) => x.textContent.normalize('NFC')));
    assert.ok(statuses.every((s) => s === 'Chưa bắt đầu'), statuses.join(', '));

    // The province's dashboard: its few figures first, then what to do next.
    await page.goto(`${BASE}/quan-ly/tien-do/38`);
    await page.screenshot({ path: `${OUT}dashboard-${size.name}-first-screen.png` });
    // How far it has come and how it stands are on the first screen.
    const standing = await page.$eval('dl.figures dd:nth-of-type(2)', (d) => d.getBoundingClientRect().bottom);
    assert.ok(standing <= size.viewport.height, `the standing ends at ${standing} px`);
    const figures = await page.$eval('dl.figures', (d) => d.getBoundingClientRect().top);
    const kpis = await page.$eval('ul.tabs', (d) => d.getBoundingClientRect().top);
    assert.ok(kpis > figures, 'the other KPIs after the figures');
    // Each figure's label: above it on a phone (the figure keeps the whole width), beside it
    // on a desktop.
    const pairs = await page.$$eval('dl.figures dt', (dts) =>
      dts.map((dt) => {
        const dd = dt.nextElementSibling.getBoundingClientRect();
        const box = dt.getBoundingClientRect();
        return { dtBottom: box.bottom, dtTop: box.top, dtLeft: box.left, ddTop: dd.top, ddLeft: dd.left, ddWidth: dd.width };
      }),
    );
    assert.ok(pairs.length >= 4, 'the figures');
    for (const p of pairs) {
      if (size.name === 'phone') {
        assert.ok(p.dtBottom <= p.ddTop + 1, `the label above its figure: ${JSON.stringify(p)}`);
        assert.ok(Math.abs(p.ddLeft - p.dtLeft) < 2 && p.ddWidth > 250, `the figure the card's width: ${JSON.stringify(p)}`);
      } else {
        assert.ok(Math.abs(p.dtTop - p.ddTop) < 2 && p.ddLeft > p.dtLeft, `the label beside its figure: ${JSON.stringify(p)}`);
      }
    }
    await fits(page, `dashboard-${size.name}`);

    // The audit log: the failed sign-in in words, subjects by name with their codes beside.
    await page.goto(`${BASE}/quan-ly/nhat-ky?hanh-dong=staff.sign_in_failed`);
    assert.match(nfc(await page.textContent('tbody')), /Đăng nhập không thành công: sai mật khẩu \(staff\.sign_in_failed\)/);
    assert.ok(!nfc(await page.content()).includes('không phải mật khẩu'), 'never the password');
    await fits(page, `audit-failed-${size.name}`);
    await page.goto(`${BASE}/quan-ly/nhat-ky?hanh-dong=person.list`);
    assert.match(nfc(await page.textContent('tbody')), /Thanh Hóa\s*unit:38/);
    await fits(page, `audit-${size.name}`);
    // On a phone, one card per record (when, what was done, who, about what), nothing that
    // scrolls sideways; on a desktop, the table with its headings.
    await page.goto(`${BASE}/quan-ly/nhat-ky`);
    await page.screenshot({ path: `${OUT}audit-all-${size.name}-first.png`, fullPage: true });
    const log = await page.$eval('.table-wrap', (wrap) => ({
      inner: wrap.scrollWidth,
      outer: wrap.clientWidth,
      head: wrap.querySelector('thead').getBoundingClientRect().height,
      rows: [...wrap.querySelectorAll('tbody tr')].map((tr) => {
        const cell = (n) => tr.children[n].getBoundingClientRect();
        return {
          display: getComputedStyle(tr).display,
          width: tr.getBoundingClientRect().width,
          height: tr.getBoundingClientRect().height,
          at: cell(1),
          action: cell(3),
          actor: cell(2),
        };
      }),
    }));
    assert.ok(log.rows.length >= 3, `records (${log.rows.length})`);
    assert.ok(log.inner <= log.outer, `the log does not scroll sideways (${log.inner} > ${log.outer})`);
    if (size.name === 'phone') {
      assert.ok(log.head <= 1, 'no column headings on cards');
      for (const r of log.rows) {
        assert.equal(r.display, 'grid', 'a card per record');
        assert.ok(r.width <= 360, `a card fits (${r.width})`);
        // Compact: under half the phone's screen, even for a record whose subject wraps (in a
        // full run the log holds every test's records: 220 px was seen).
        assert.ok(r.height < 320, `a compact card (${r.height})`);
        assert.ok(r.at.bottom <= r.action.top + 1 && r.action.bottom <= r.actor.top + 1, 'when, then what, then who');
      }
    } else {
      assert.ok(log.head > 10, 'column headings');
      for (const r of log.rows) assert.equal(r.display, 'table-row');
    }
    await fits(page, `audit-all-${size.name}`);
    await context.close();
  });
}
