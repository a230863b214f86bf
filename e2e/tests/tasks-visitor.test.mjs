// A visitor without an account — an elderly villager a team member shows the site to on their
// phone — finds practice from the front door and does a task at once, on a 360×640 phone: the
// home page's link to the tasks, the list, a task's introduction (no account needed; the start
// button, then the offer to register or sign in), a wrong step with its feedback and hint, the
// way to the goal, the result with its gentle offer to have learning kept, and "Làm lại".
// Nothing asks to sign in first; the browser holds the practice cookie (HttpOnly, SameSite=Lax)
// and no session. Every page as tests/tasks.test.mjs checks them (fits 360 px, tap targets,
// ≤ 30,000 bytes, axe); the introduction and the result also at 1366×768, screenshots in
// out/tasks-visitor/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BASE, TIMEOUT, launch } from '../lib/harness.mjs';
import { PHONE, Solver, check, meter, norm, outcome, phoneContext } from '../lib/tasks.mjs';

const OUT = fileURLToPath(new URL('../out/tasks-visitor/', import.meta.url));
const TASK = 'chuyen-tien-kiem-tra-ten';

let browser;
before(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a visitor without an account finds a task from the front door and does it to the end', { timeout: TIMEOUT * 2 }, async (t) => {
  const context = await phoneContext(browser);
  try {
    const page = await context.newPage();
    const m = await meter(context, page);
    await page.goto(`${BASE}/`);
    const toTasks = page.locator('main a[href="/thuc-hanh"]').first();
    assert.match(norm(await toTasks.innerText()), /không cần tài khoản/, 'the front door says no account is needed');
    m.reset();
    await Promise.all([page.waitForNavigation(), toTasks.click()]);
    await check(t, page, m, 'list', { out: OUT });
    m.reset();
    await Promise.all([page.waitForNavigation(), page.click(`main a[href="/thuc-hanh/${TASK}"]`)]);
    await check(t, page, m, 'intro', { out: OUT, desktop: true });

    // No account, no session: the practice cookie only.
    const cookies = await context.cookies();
    const practice = cookies.filter((c) => c.name.endsWith('binhdan_thuc_hanh'));
    assert.equal(practice.length, 1, 'the practice cookie');
    assert.ok(practice[0].httpOnly, 'HttpOnly');
    assert.equal(practice[0].sameSite, 'Lax');
    assert.equal(cookies.filter((c) => /^(__Host-)?binhdan$/.test(c.name)).length, 0, 'no session');
    assert.match(norm(await page.locator('main .task-visitor').innerText()), /^Không cần tài khoản/);
    const start = page.locator(`main form[action="/thuc-hanh/${TASK}"] button[type=submit]`);
    assert.equal(await start.count(), 1, 'a start button');
    const offer = page.locator(`main .task-keep a[href="/dang-nhap?tiep=/thuc-hanh/${TASK}"]`);
    assert.equal(await offer.count(), 1, 'an offer to register or sign in');
    assert.ok((await start.boundingBox()).y < (await offer.boundingBox()).y, 'the start button comes first');

    m.reset();
    const [started] = await Promise.all([page.waitForNavigation(), start.click()]);
    assert.equal(started.status(), 200, 'started without an account');
    await check(t, page, m, 'start', { out: OUT });

    // A wrong step: why, and the hint; the same screen to try again.
    const learner = new Solver(page, { meter: m });
    m.reset();
    const wrong = await learner.wrong();
    assert.equal(wrong.res.status(), 200);
    await check(t, page, m, 'wrong', { out: OUT });
    const box = page.locator('.feedback.wrong');
    assert.ok(norm(await box.innerText()).startsWith('Chưa đúng.'), 'said to be wrong');
    assert.equal(norm(await box.locator('.task-feedback').innerText()), wrong.feedback, 'why it is wrong');
    assert.equal(norm(await box.locator('.task-hint').innerText()), `Gợi ý: ${wrong.hint}`, 'the hint');
    assert.equal((await learner.look()).id, wrong.screen, 'the same screen, to try again');
    assert.equal(await page.locator('main .task-keep').count(), 0, 'no offer in the middle of a task');

    // To the goal; the result offers to have learning kept.
    await learner.walk(async () => (await page.locator('.task-outcome').count()) > 0);
    await check(t, page, m, 'result', { out: OUT, desktop: true });
    const done = await outcome(page);
    assert.match(done.box, /^Hoàn thành!/);
    assert.equal(done.points, Math.max(1, done.max - 1), 'a point less for the wrong step');
    const keep = page.locator('main .task-keep');
    assert.match(norm(await keep.innerText()), /^Bài làm thử không được lưu lại\./);
    assert.equal(await keep.locator(`a[href="/dang-nhap?tiep=/thuc-hanh/${TASK}"]`).count(), 1);
    const again = page.locator('main button:text("Làm lại")');
    assert.equal(await again.count(), 1, 'a way to do it again');
    const keepBox = await keep.boundingBox();
    assert.ok((await again.boundingBox()).y < keepBox.y, '“Làm lại” before the offer');
    assert.ok(keepBox.width <= PHONE.viewport.width, 'the offer fits the phone');

    m.reset();
    await Promise.all([page.waitForNavigation(), again.click()]);
    await check(t, page, m, 'again', { out: OUT });
    const fresh = new Solver(page);
    assert.equal((await fresh.look()).id, fresh.task.start, 'a fresh attempt at the first screen');
  } finally {
    await context.close();
  }
});
