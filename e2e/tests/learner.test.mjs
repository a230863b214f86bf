// A citizen signs in with VNeID (the test OpenID provider on loopback, started by
// run.sh), registers in their village, reads a lesson, answers a module's quiz
// one question at a time and sees their progress — in a real browser, with
// axe-core on every learner page and the page-weight budget on the signed-in
// pages. Then the placement test, adaptive, to its result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc, registerInCommune, signInWithVneid } from '../lib/harness.mjs';

const BUDGET = 30_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Bytes on the wire (gzip, headers included) of a page fetched with the learner's cookie. */
function wireBytes(path, cookie) {
  return new Promise((resolve, reject) => {
    const req = request(`${BASE}${path}`, { headers: { cookie, 'accept-encoding': 'gzip' } }, (res) => {
      let bytes = 0;
      for (const [k, v] of Object.entries(res.headers)) bytes += k.length + String(v).length + 4;
      res.on('data', (chunk) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a citizen signs in with VNeID, reads a lesson, answers a quiz and sees progress', { timeout: TIMEOUT * 2 }, async () => {
  const context = await browser.newContext(contextOptions({ bypassCSP: true }));
  const page = await context.newPage();

  // A lesson, read anonymously, invites the reader to sign in to keep progress.
  await page.goto(`${BASE}/hoc/cong-dan`);
  const first = await page.getAttribute('ol.outline a', 'href');
  await page.goto(`${BASE}${first}`);
  await page.click('a[href^="/dang-nhap?tiep="]');
  assert.match(new URL(page.url()).pathname, /^\/dang-nhap/);

  // VNeID: the provider's test page signs in "nguyenvana", who is on no roster yet.
  await signInWithVneid(page, 'nguyenvana');
  assert.deepEqual(await axeViolations(page), []);
  await registerInCommune(page, 'cac son');
  assert.equal(new URL(page.url()).pathname, first, 'back at the lesson the sign-in started from');
  await page.goto(`${BASE}/toi`);
  assert.match(nfc(await page.textContent('main')), /Nguyễn Văn A/);

  // The first module: every lesson marked done leads to the next, then to the quiz.
  await page.click('a[href="/hoc/cua-toi"]');
  assert.deepEqual(await axeViolations(page), []);
  await page.goto(`${BASE}${first}`);
  assert.deepEqual(await axeViolations(page), []);
  for (let i = 0; i < 20 && !new URL(page.url()).pathname.startsWith('/hoc/kiem-tra/'); i += 1) {
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/xong"] button')]);
  }
  const quizPath = new URL(page.url()).pathname;
  assert.match(quizPath, /^\/hoc\/kiem-tra\//, 'after the module\'s last lesson comes its quiz');
  assert.deepEqual(await axeViolations(page), []);

  const cookies = await context.cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');

  // Answer every question; the feedback (with its explanation) and the next
  // question come on one page, and the last answer brings the result.
  let answered = 0;
  for (let q = 0; q < 20; q += 1) {
    if (!(await page.$('form.quiz'))) break;
    const steps = await page.locator('form.quiz button.step').count();
    if (steps > 0) {
      // An ordering question: tap the steps as shown, one submission per tap; the last
      // tap answers.
      for (let k = 0; k < steps; k += 1) {
        await Promise.all([page.waitForNavigation(), page.click('form.quiz button.step >> nth=0')]);
      }
    } else {
      if (await page.$('form.quiz input[type=checkbox]')) {
        await page.check('form.quiz input[type=checkbox] >> nth=0');
      } else {
        await page.check('form.quiz input[type=radio] >> nth=0');
      }
      await Promise.all([page.waitForNavigation(), page.click('form.quiz button[type=submit]')]);
    }
    answered += 1;
    assert.match(nfc(await page.textContent('[role=status]')), /Đúng rồi!|Chưa đúng\./);
    if (q === 0) assert.deepEqual(await axeViolations(page), []);
  }
  const result = nfc(await page.textContent('.result'));
  assert.match(result, new RegExp(`trả lời đúng \\d+/${answered} câu`));
  assert.deepEqual(await axeViolations(page), []);

  // The signed-in learner pages keep to the budget.
  for (const path of ['/hoc/cua-toi', quizPath, first]) {
    const { status, bytes } = await wireBytes(path, cookie);
    assert.equal(status, 200, path);
    assert.ok(bytes <= BUDGET, `${path}: ${bytes} bytes > ${BUDGET}`);
  }

  // Progress: the lessons done show on the course and on "my courses".
  await page.goto(`${BASE}/hoc/cua-toi`);
  const mine = nfc(await page.textContent('main'));
  assert.match(mine, /Đã học [1-9]\d*\/\d+ bài/);
  await page.goto(`${BASE}/hoc/cong-dan`);
  assert.ok((await page.$$('.done')).length > 0, 'lessons done are marked');

  // The placement test: adaptive, one question per page with the time left, no
  // feedback, then the starting ability score.
  await page.goto(`${BASE}/hoc/cua-toi`);
  await Promise.all([page.waitForNavigation(), page.click('a[href="/hoc/thi"]')]);
  assert.deepEqual(await axeViolations(page), []);
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/dau-vao"] button')]);
  const sittingPath = new URL(page.url()).pathname;
  assert.match(sittingPath, /^\/hoc\/thi\/lan\/\d+$/);
  assert.match(nfc(await page.textContent('main')), /còn \d+ phút/);
  assert.deepEqual(await axeViolations(page), []);
  for (const path of ['/hoc/thi', sittingPath]) {
    const { status, bytes } = await wireBytes(path, cookie);
    assert.equal(status, 200, path);
    assert.ok(bytes <= BUDGET, `${path}: ${bytes} bytes > ${BUDGET}`);
  }
  for (let q = 0; q < 20; q += 1) {
    if (!(await page.$('form.quiz'))) break;
    const steps = await page.locator('form.quiz button.step').count();
    if (steps > 0) {
      // An ordering question: tap the steps as shown, one submission per tap; the last
      // tap answers.
      for (let k = 0; k < steps; k += 1) {
        await Promise.all([page.waitForNavigation(), page.click('form.quiz button.step >> nth=0')]);
      }
    } else {
      if (await page.$('form.quiz input[type=checkbox]')) {
        await page.check('form.quiz input[type=checkbox] >> nth=0');
      } else {
        await page.check('form.quiz input[type=radio] >> nth=0');
      }
      await Promise.all([page.waitForNavigation(), page.click('form.quiz button[type=submit]')]);
    }
    assert.equal(await page.$('[role=status]'), null, 'no feedback during a test');
  }
  assert.match(nfc(await page.textContent('.result')), /Điểm năng lực đầu vào của bạn: \d+\/100/);
  assert.deepEqual(await axeViolations(page), []);
  await Promise.all([page.waitForNavigation(), page.click('main a.button[href="/hoc/thi"]')]);
  assert.match(nfc(await page.textContent('main')), /Các lần đã làm/);
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});
