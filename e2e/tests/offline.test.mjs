// Learning without a network, on a phone-sized screen: a citizen saves a module
// ("Tải về để học khi không có mạng", its size shown first), opens three lessons,
// then with the browser context offline reads those lessons (images included),
// marks them done and answers the saved module's practice quiz. Back online,
// everything is sent and counts once (checked in the server's figures). A reply
// lost on the way back is resent and still counts once; a refused item is shown
// with its reason. The certification exam says it needs a connection (on a question open
// when the network drops, too).
// Figures printed: bytes to save a module; seconds to sync 100 queued items over
// an emulated slow network (400 kbps, 400 ms) and online.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc, registerInCommune, signInWithVneid } from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The server's figures for the signed-in learner, read online with their cookie. */
async function figures(context) {
  const r = await context.request.get(`${BASE}/hoc/cua-toi`);
  assert.equal(r.status(), 200);
  const text = nfc(await r.text());
  const m = /Đã học (\d+)\/\d+ bài/.exec(text);
  assert.ok(m, 'the progress line is on /hoc/cua-toi');
  const quizzes = /(\d+)\/\d+ bài kiểm tra/.exec(text);
  return { lessons: Number(m[1]), text, quizzes: quizzes ? Number(quizzes[1]) : null };
}

/** Waits until the page is controlled by the service worker: once it is active, a page it has
 * not claimed yet (a busy machine) is reloaded, as a learner's next page would be controlled. */
async function controlled(page) {
  await page.evaluate(() => Promise.race([
    navigator.serviceWorker.ready,
    new Promise((resolve) => { setTimeout(resolve, 30_000); }),
  ]));
  if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 20_000 });
}

/** What waits in the page's IndexedDB queue. */
const queue = (page) => page.evaluate(() => self.BinhDanQueue.all('queue'));

/** Waits until nothing but refused items waits. */
async function drained(page) {
  for (let i = 0; i < 100; i += 1) {
    const q = await queue(page);
    if (!q.some((x) => x.state !== 'refused')) return q;
    await page.waitForTimeout(200);
  }
  assert.fail(`the queue did not drain: ${JSON.stringify(await queue(page))}`);
}

/** Answers every question form of the offline quiz page with its first choice. */
async function answerAll(page) {
  const forms = await page.$$('form.offline-q');
  for (const form of forms) {
    const steps = await form.$$('button[name=pick]');
    if (steps.length) {
      // An ordering question: its steps tapped in order.
      for (const step of steps) await step.click();
    } else {
      const box = (await form.$('input[type=checkbox]')) || (await form.$('input[type=radio]'));
      await box.check();
      await (await form.$('button[type=submit]')).click();
    }
    await form.waitForSelector('.queued:not(:empty)');
  }
  return forms.length;
}

test('a learner studies offline and everything counts once when the network returns', { timeout: TIMEOUT * 3 }, async (t) => {
  const context = await browser.newContext(contextOptions({ bypassCSP: true, viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(`${BASE}/dang-nhap`);
  await signInWithVneid(page, 'hoangvand');
  await registerInCommune(page, 'cac son');
  const before = await figures(context);
  assert.equal(before.lessons, 0);

  // The course page: the service worker installs; the first module is saved, its size
  // shown before anything is downloaded.
  await page.goto(`${BASE}/hoc/cong-dan`);
  await controlled(page);
  // Installable on an Android home screen: Chrome finds nothing missing (what Lighthouse's
  // installability audit reads).
  const devtools = await context.newCDPSession(page);
  const { installabilityErrors } = await devtools.send('Page.getInstallabilityErrors');
  // (A test browser's context is incognito, where Chrome never offers to install.)
  assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== 'in-incognito'), []);
  const manifest = await devtools.send('Page.getAppManifest');
  assert.match(manifest.url, /\/manifest\.webmanifest$/);
  assert.deepEqual(manifest.errors, []);
  await devtools.detach();
  const save = page.locator('[data-save-module]').first();
  const module = await save.getAttribute('data-save-module');
  await save.click();
  await page.waitForFunction(() => /KB/.test(document.querySelector('[data-save-module]').textContent));
  const asked = nfc(await save.textContent());
  assert.match(asked, /^Tải về \(khoảng \d+ KB\)$/);
  assert.match(nfc(await page.textContent(`#${await save.getAttribute('aria-describedby')}`)), /Bấm lần nữa để tải về/);
  assert.deepEqual(await axeViolations(page), []);
  // Bytes on the wire while saving (compressed, headers included), from the DevTools protocol.
  const wire = await context.newCDPSession(page);
  await wire.send('Network.enable');
  let onWire = 0;
  let fetched = 0;
  wire.on('Network.loadingFinished', (e) => {
    onWire += e.encodedDataLength;
    fetched += 1;
  });
  await save.click();
  await page.waitForFunction(() => /Đã tải về/.test(document.getElementById('save-1').textContent), null, { timeout: 30_000 });
  await wire.detach();
  await page.waitForFunction(() => document.querySelector('[data-save-module]').textContent.includes('✓'));
  assert.equal(nfc(await save.textContent()), '✓ Đã tải về', 'the button says it is done');
  const saved = await page.evaluate(() => self.BinhDanQueue.all('saved'));
  assert.equal(saved.length, 1);
  t.diagnostic(`FIGURE bytes to save module ${module}: ${saved[0].bytes} B kept on the phone, ${onWire} B on the wire in ${fetched} requests (asked: ${asked})`);
  assert.ok(saved[0].bytes < 300_000, `a module is at most ~300 KB (${saved[0].bytes})`);
  const persisted = await page.evaluate(() => navigator.storage.persisted());
  t.diagnostic(`persistent storage granted: ${persisted}`);

  // Three lessons of the second module, opened online.
  const second = await page.$$eval('ol.outline', (ols) => Array.from(ols[1].querySelectorAll('a')).map((a) => a.getAttribute('href')));
  const lessons = second.slice(0, 4);
  assert.equal(lessons.length, 4);
  for (const path of lessons) {
    await page.goto(`${BASE}${path}`);
    await controlled(page);
  }
  await page.waitForTimeout(500); // the images' prefetch

  // Offline.
  await context.setOffline(true);
  for (const path of lessons.slice(0, 3)) {
    await page.goto(`${BASE}${path}`);
    assert.ok((await page.textContent('h1')).length > 3, `${path} reads offline`);
    const images = await page.$$eval('#lesson-text img', (imgs) => Promise.all(imgs.map((i) => fetch(i.src).then((r) => r.ok, () => false))));
    assert.ok(images.every(Boolean), `${path}: its images read offline`);
    await page.click('form[action$="/xong"] button');
    await page.waitForSelector('text=sẽ được ghi là học xong khi có mạng');
  }
  assert.match(nfc(await page.textContent('#bd-status')), /đang không có mạng.*Có 3 việc đang chờ gửi/s);
  assert.deepEqual(await axeViolations(page), []);
  // The saved module's practice quiz, answered offline.
  await page.goto(`${BASE}/hoc/kiem-tra/${module}`);
  const answered = await answerAll(page);
  assert.ok(answered >= 3, `${answered} questions answered offline`);
  assert.deepEqual(await axeViolations(page), []);
  const taken = await queue(page);
  assert.equal(taken.length, 3 + answered);
  // The certification exam says plainly that it needs a connection.
  await page.goto(`${BASE}/hoc/thi`);
  assert.match(nfc(await page.textContent('main')), /Bài thi lấy chứng chỉ cần có mạng/);
  // A page never opened: the offline page, not the browser's error.
  await page.goto(`${BASE}/hoc/kiem-tra/khong-co-chuong-nay`);
  assert.match(nfc(await page.textContent('h1')), /Học khi không có mạng/);

  // Back online: sent by itself, counted once.
  await context.setOffline(false);
  await page.goto(`${BASE}/ngoai-tuyen`);
  const left = await drained(page);
  assert.deepEqual(left, []);
  // A saved module opens from the list; removing it asks a second tap.
  await page.waitForSelector('#bd-saved li a[href^="/bai/"]');
  await page.click('#bd-saved li button');
  assert.equal(nfc(await page.textContent('#bd-saved li button')), 'Bấm lần nữa để xóa');
  assert.equal(await page.locator('#bd-saved li a').count(), 1, 'still saved after one tap');
  const after1 = await figures(context);
  assert.equal(after1.lessons, 3, after1.text);
  // The same items again (a phone that missed every reply): all counted before.
  const again = await page.evaluate((items) => Promise.all(items.map((x) => self.BinhDanQueue.put('queue', x)))
    .then(() => self.BinhDanQueue.flush()), taken);
  assert.equal(again.length, 3 + answered);
  assert.deepEqual([...new Set(again.map((r) => r.status))], ['duplicate'], JSON.stringify(again));
  assert.equal((await figures(context)).lessons, 3, 'counted once');
  assert.deepEqual(await axeViolations(page), []);

  // The fourth lesson, done offline; its reply is lost on the way back.
  await context.setOffline(true);
  await page.goto(`${BASE}${lessons[3]}`);
  await page.click('form[action$="/xong"] button');
  await page.waitForSelector('text=sẽ được ghi là học xong khi có mạng');
  // Whoever sends (the page, or the service worker's Background Sync), the first reply is
  // lost after the server has counted; what the later sends got back is kept.
  let lost = 0;
  const replies = [];
  await context.route('**/hoc/dong-bo', async (route) => {
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
  await page.evaluate(() => self.BinhDanQueue.flush().catch(() => null));
  await drained(page);
  assert.equal(lost, 1, 'the first reply was lost');
  assert.deepEqual(replies, ['duplicate'], 'the resend was answered: counted before');
  assert.equal((await figures(context)).lessons, 4, 'counted once');
  await context.unroute('**/hoc/dong-bo');

  // A refused item (waited longer than the server allows) is shown with its reason, kept.
  await page.evaluate(() => self.BinhDanQueue.me().then((who) => {
    const id = 'e2e-old-item-0001';
    return self.BinhDanQueue.put('queue', { id, seq: 1, person: who.person, state: 'queued', label: 'Học xong bài «cũ»',
      wire: { id, kind: 'lesson_done', at: Date.now() - 9 * 24 * 3600 * 1000, person: who.person, session: who.csrf, lesson: 'cong-dan.dien-thoai.bat-tat-va-sac' } });
  }));
  await page.evaluate(() => self.BinhDanQueue.flush());
  await page.reload();
  await page.waitForFunction(() => /chưa gửi được/.test(document.getElementById('bd-status').textContent));
  assert.match(nfc(await page.textContent('#bd-status')), /Có 1 việc chưa gửi được: xem ở trang “Học khi không có mạng”/);
  await page.goto(`${BASE}/ngoai-tuyen`);
  await page.waitForSelector('#bd-refused li');
  assert.match(nfc(await page.textContent('#bd-refused')), /Học xong bài «cũ»: Việc này đã làm cách đây hơn 7 ngày/);
  assert.equal((await queue(page)).length, 1, 'a refused item is kept for review');
  assert.deepEqual(await axeViolations(page), []);
  await page.click('#bd-refused button');
  await page.waitForFunction(() => !document.querySelector('#bd-refused li'));
  assert.equal((await figures(context)).lessons, 4);

  // 100 queued items: time to sync them online, then over a slow network.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // A lesson already done: each of the 200 is answered, none counts again.
  const hundred = () => page.evaluate((lesson) => self.BinhDanQueue.me().then((who) => {
    const adds = [];
    for (let i = 0; i < 100; i += 1) adds.push(self.BinhDanQueue.add(who, 'lesson_done', { lesson }, 'x'));
    return Promise.all(adds);
  }), lessons[0].slice('/bai/'.length));
  const timed = () => page.evaluate(() => {
    const t0 = performance.now();
    return self.BinhDanQueue.flush().then((r) => ({ seconds: (performance.now() - t0) / 1000, n: r.length }));
  });
  await hundred();
  const online = await timed();
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 });
  await hundred();
  const slow = await timed();
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  t.diagnostic(`FIGURE sync of 100 queued items: online ${online.seconds.toFixed(2)} s, 400 kbps + 400 ms ${slow.seconds.toFixed(2)} s (${online.n} and ${slow.n} results)`);
  assert.equal(online.n, 100);
  assert.equal(slow.n, 100);
  assert.equal((await figures(context)).lessons, 4, '200 more sends of done lessons count nothing more');

  // A question of the placement test, open when the network drops: the page says the exam
  // needs a connection, and the answer stays on the form instead of the browser's error page.
  await page.goto(`${BASE}/hoc/thi`);
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/dau-vao"] button')]);
  const sitting = page.url();
  assert.match(new URL(sitting).pathname, /^\/hoc\/thi\/lan\/\d+$/);
  assert.equal(await page.isVisible('#bd-exam-offline'), false, 'online: nothing to say');
  await context.setOffline(true);
  await page.waitForSelector('#bd-exam-offline', { state: 'visible' });
  const box = (await page.$('form.quiz input[type=radio]')) || (await page.$('form.quiz input[type=checkbox]'));
  if (box) {
    await box.check();
    await page.click('form.quiz button[type=submit]');
  } else {
    await page.click('form.quiz button.step');
  }
  await page.waitForTimeout(300);
  assert.ok(await page.$('form.quiz'), 'still on the question (not the browser\'s error page)');
  if (box) assert.ok(await box.isChecked(), 'the answer is kept to send again');
  assert.match(nfc(await page.textContent('#bd-exam-offline')), /Bài thi lấy chứng chỉ cần có mạng suốt lúc làm bài/);
  await page.screenshot({ path: new URL('../out/offline-exam-question.png', import.meta.url).pathname });
  await context.setOffline(false);
  await page.waitForSelector('#bd-exam-offline', { state: 'hidden' });

  // Signing out takes the saved lessons and the queue away.
  await page.goto(`${BASE}/hoc/cong-dan`);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dang-xuat"] button')]);
  const keys = await page.evaluate(() => caches.keys());
  assert.deepEqual(keys.filter((k) => k.startsWith('binhdan-mod-') || k === 'binhdan-pages'), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('with JavaScript off the learning pages work as before', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions({ javaScriptEnabled: false }));
  const page = await context.newPage();
  await page.goto(`${BASE}/hoc/cong-dan`);
  assert.equal(await page.isVisible('[data-save-module]'), false, 'the download button needs the script');
  const first = await page.getAttribute('ol.outline a', 'href');
  await page.goto(`${BASE}${first}`);
  assert.ok((await page.textContent('h1')).length > 3);
  await context.close();
});
