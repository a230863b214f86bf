// Simulated real-service tasks as a learner meets them in the browser, shared by the tests
// that walk them (tests/tasks.test.mjs, tests/tasks-visitor.test.mjs): the tasks read from
// their files in content/tasks and solved as a learner reads the screen (the parameters
// drawn for the attempt taken from the texts shown, the right way to the goal found in the
// task's graph, each step taken by its label, never by a position), and what every page of a
// task must be on a 360×640 phone.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { AXE_SOURCE, BASE, contextOptions, nfc } from './harness.mjs';

export const BUDGET = 30_000;
export const MIN_TARGET = 44;
export const PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
export const DESKTOP = { width: 1366, height: 768 };
export const LABEL = { vi: 'Mô phỏng — không phải ứng dụng thật', en: 'Simulation — not the real app' };

// ---- the tasks, as written in content/tasks -------------------------------------------

export const TASK_DIR = new URL('../../content/tasks/', import.meta.url);
export const TASKS = new Map(
  readdirSync(TASK_DIR)
    .filter((f) => f.endsWith('.toml'))
    .map((f) => parseToml(readFileSync(new URL(f, TASK_DIR), 'utf8')))
    .map((t) => [t.id, t]),
);

/** A text of a task file in `lang` (a plain string is the same in both). */
export const txt = (t, lang) => (t == null ? '' : typeof t === 'string' ? t : t[lang] ?? '');
/** Whitespace folded, NFC: how a text compares with what the page shows. */
export const norm = (s) => nfc(s).replace(/\s+/g, ' ').trim();
export const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const PARAM = /(\{[a-z][a-z0-9_]*\})/;

/** A regular expression for a template: the parameters already `known` as their values, the
 * others captured (`names`, in order). */
export function pattern(template, known) {
  const names = [];
  let re = '';
  for (const part of norm(template).split(PARAM)) {
    const name = part.match(/^\{([a-z][a-z0-9_]*)\}$/)?.[1];
    if (!name) re += esc(part);
    else if (known.has(name)) re += esc(known.get(name));
    else if (names.includes(name)) re += `\\${names.indexOf(name) + 1}`;
    else {
      names.push(name);
      re += '(.+?)';
    }
  }
  return { re: new RegExp(`^${re}$`, 'u'), names };
}

/** Whether `text` is `template` filled in; learns the parameters it shows into `known`. */
export function learn(template, text, known) {
  const { re, names } = pattern(template, known);
  const m = norm(text).match(re);
  if (!m) return false;
  names.forEach((n, i) => known.set(n, m[i + 1]));
  return true;
}

/** Whether `text` is `template` filled in, a parameter not yet known standing for anything but
 * the name another stands for (the names drawn in an attempt differ: the look-alike is not the
 * payee). Amounts and numbers may repeat: a fee may be drawn equal to a day's pay. */
export function fits(template, text, known) {
  const { re, names } = pattern(template, known);
  const m = norm(text).match(re);
  if (!m) return false;
  const taken = new Set(known.values());
  return names.every((_, i) => /\d/.test(m[i + 1]) || !taken.has(m[i + 1]));
}

/** What must be typed into a field: its expected text with the parameters' values (an amount
 * as its digits), or anything for a field that takes anything. */
export function typed(task, expect, known) {
  if (!expect) return 'Nguyễn Văn Thử';
  return expect.replace(/\{([a-z][a-z0-9_]*)\}/g, (_, name) => {
    assert.ok(known.has(name), `the value of {${name}} of ${task.id} was never shown`);
    const kind = task.params?.[name]?.kind;
    const v = known.get(name);
    return kind === 'money' || kind === 'sum' ? v.replace(/\D/g, '') : v;
  });
}

/** The simulated screen on the page (practice or exam), as a learner reads it. */
export async function readScreen(page) {
  const sim = page.locator('section.sim');
  const goalBox = page.locator('.task-goal');
  const goal = (await goalBox.count()) === 1
    ? norm(await goalBox.innerText()).replace(norm(await goalBox.locator('strong').innerText()), '').trim()
    : '';
  const view = { goal, title: '', texts: [], rows: [], forms: [], choices: [], buttons: [] };
  if ((await sim.count()) === 0) return view;
  view.title = norm(await sim.locator('#sim-title').innerText());
  view.texts = (await sim.locator('.sim-text').allInnerTexts()).map(norm);
  const dts = (await sim.locator('dl.sim-rows dt').allInnerTexts()).map(norm);
  const dds = (await sim.locator('dl.sim-rows dd').allInnerTexts()).map(norm);
  view.rows = dts.map((label, i) => [label, dds[i]]);
  const forms = sim.locator('form.sim-form');
  for (let i = 0; i < (await forms.count()); i += 1) {
    const form = forms.nth(i);
    view.forms.push({
      position: await form.locator('input[name=a]').getAttribute('value'),
      label: norm(await form.locator('button[type=submit]').innerText()),
      fields: (await form.locator('label').allInnerTexts()).map(norm),
      locator: form,
    });
  }
  // Each choice is a button of its own (one tap), in a group that says to tap one.
  const choices = sim.locator('form.sim-choices button[name=a]');
  for (let i = 0; i < (await choices.count()); i += 1) {
    const c = choices.nth(i);
    view.choices.push({ position: await c.getAttribute('value'), label: norm(await c.innerText()), locator: c });
  }
  const buttons = sim.locator('form.sim-buttons button[name=a]');
  for (let i = 0; i < (await buttons.count()); i += 1) {
    const b = buttons.nth(i);
    view.buttons.push({ position: await b.getAttribute('value'), label: norm(await b.innerText()), locator: b });
  }
  return view;
}

/** Which task the page shows, by its goal; the parameters the goal shows are learnt. */
export function whichTask(view, lang) {
  const found = [...TASKS.values()].filter((t) => fits(txt(t.goal, lang), view.goal, new Map()));
  assert.equal(found.length, 1, `one task has the goal “${view.goal}” (found ${found.map((t) => t.id).join(', ')})`);
  return found[0];
}

/** Where the action `a` of a screen is shown, if it is. */
export function shown(view, a, known, lang, { unique = true } = {}) {
  const pool = a.kind === 'type' ? view.forms : a.kind === 'choose' ? view.choices : view.buttons;
  const hits = pool.filter((x) => fits(txt(a.label, lang), x.label, known));
  if (unique) assert.ok(hits.length <= 1, `the label “${txt(a.label, lang)}” is shown once (${hits.map((h) => h.label).join(' | ')})`);
  return hits[0];
}

/** The task's screen the page shows; learns the parameters its texts show. */
export function whichScreen(task, view, known, lang) {
  const found = task.screen.filter((s) => {
    if (!fits(txt(s.title, lang), view.title, known)) return false;
    const paras = txt(s.text, lang).split(/\n\s*\n/).map(norm).filter(Boolean);
    if (paras.length !== view.texts.length || !paras.every((p, i) => fits(p, view.texts[i], known))) return false;
    const rows = s.rows ?? [];
    if (rows.length !== view.rows.length || !rows.every((r, i) => fits(txt(r.label, lang), view.rows[i][0], known) && fits(txt(r.value, lang), view.rows[i][1], known))) return false;
    const actions = s.action ?? [];
    const count = view.forms.length + view.choices.length + view.buttons.length;
    return actions.length === count && actions.every((a) => shown(view, a, known, lang, { unique: false }));
  });
  assert.equal(found.length, 1, `one screen of ${task.id} is “${view.title}” (found ${found.map((s) => s.id).join(', ')})`);
  const s = found[0];
  txt(s.text, lang).split(/\n\s*\n/).map(norm).filter(Boolean).forEach((p, i) => learn(p, view.texts[i], known));
  (s.rows ?? []).forEach((r, i) => learn(txt(r.value, lang), view.rows[i][1], known));
  for (const a of s.action ?? []) {
    const form = a.kind === 'type' ? shown(view, a, known, lang) : undefined;
    (a.fields ?? []).forEach((f, i) => form && learn(txt(f.label, lang), form.fields[i], known));
  }
  return s;
}

/** The first action on the shortest clean way from `screen` to the task's goal screen. */
export function nextAction(task, screen) {
  const byId = new Map(task.screen.map((s) => [s.id, s]));
  const clean = (a) => a.kind !== 'back' && a.to && !a.wrong && !a.critical;
  const queue = [[screen.id, null]];
  const seen = new Set([screen.id]);
  while (queue.length > 0) {
    const [id, first] = queue.shift();
    if (id === task.done) return first;
    for (const a of byId.get(id)?.action ?? []) {
      if (clean(a) && !seen.has(a.to)) {
        seen.add(a.to);
        queue.push([a.to, first ?? a]);
      }
    }
  }
  assert.fail(`no clean way from ${screen.id} to ${task.done} in ${task.id}`);
}

/** Takes action `a` of the screen as shown; `texts` overrides what is typed. Returns the
 * page's answer. */
export async function take(page, task, view, a, known, lang, texts) {
  const target = shown(view, a, known, lang);
  assert.ok(target, `the action “${txt(a.label, lang)}” is on the screen`);
  let click;
  if (a.kind === 'type') {
    const inputs = target.locator.locator('input:not([type=hidden])');
    assert.equal(await inputs.count(), (a.fields ?? []).length, 'one box per field');
    for (const [i, f] of (a.fields ?? []).entries()) {
      await inputs.nth(i).fill(texts?.[i] ?? typed(task, f.expect, known));
    }
    click = target.locator.locator('button[type=submit]');
  } else {
    // A button, or a choice: one tap takes the step.
    click = target.locator;
  }
  const [res] = await Promise.all([page.waitForNavigation(), click.click()]);
  return res;
}

/** A learner at work on a task: the page, the task, the values learnt so far. */
export class Solver {
  constructor(page, { lang = 'vi', meter } = {}) {
    this.page = page;
    this.lang = lang;
    this.meter = meter;
  }

  /** Reads the screen (a new task, if the goal changed). */
  async look() {
    const view = await readScreen(this.page);
    if (!this.task || view.goal !== this.goal) {
      this.task = whichTask(view, this.lang);
      this.goal = view.goal;
      this.known = new Map();
      assert.ok(learn(txt(this.task.goal, this.lang), view.goal, this.known), 'the goal reads as written');
    }
    this.view = view;
    this.screen = whichScreen(this.task, view, this.known, this.lang);
    return this.screen;
  }

  /** One right step towards the goal. */
  async step() {
    await this.look();
    return take(this.page, this.task, this.view, nextAction(this.task, this.screen), this.known, this.lang);
  }

  /** The first wrong (or mistyped) step the current screen offers, taken; what the page must
   * then say. */
  async wrong() {
    await this.look();
    const s = this.screen;
    const a = (s.action ?? []).find((x) => x.wrong) ?? (s.action ?? []).find((x) => x.kind === 'type' && x.mismatch);
    assert.ok(a, `${s.id} of ${this.task.id} offers a wrong step`);
    const texts = a.wrong ? undefined : (a.fields ?? []).map(() => '1');
    const res = await take(this.page, this.task, this.view, a, this.known, this.lang, texts);
    const fill = (t) => norm(txt(t, this.lang).replace(/\{([a-z][a-z0-9_]*)\}/g, (m, n) => this.known.get(n) ?? m));
    return { res, screen: s.id, feedback: fill(a.wrong ?? a.mismatch), hint: s.hint ? fill(s.hint) : null };
  }

  /** The critical error of the current screen, taken; what the page must then say. */
  async critical() {
    await this.look();
    const a = (this.screen.action ?? []).find((x) => x.critical);
    assert.ok(a, `${this.screen.id} of ${this.task.id} has a critical error`);
    const res = await take(this.page, this.task, this.view, a, this.known, this.lang);
    return { res, feedback: norm(txt(a.critical, this.lang).replace(/\{([a-z][a-z0-9_]*)\}/g, (m, n) => this.known.get(n) ?? m)) };
  }

  /** Right steps until `until()` holds (at most 30). */
  async walk(until, onPage = async () => {}) {
    for (let i = 0; i < 30; i += 1) {
      if (await until()) return;
      this.meter?.reset();
      const res = await this.step();
      assert.equal(res.status(), 200, `a right step of ${this.task.id} answers 200`);
      await onPage();
    }
    assert.fail(`${this.task?.id} was not finished in 30 steps`);
  }

  /** Whether the current screen has a critical error to make. */
  async atCritical() {
    await this.look();
    return (this.screen.action ?? []).some((x) => x.critical);
  }
}

// ---- what every page must be -----------------------------------------------------------

/** Counts the bytes on the wire of each page load (the document and everything it fetches,
 * nothing from a cache) through the DevTools protocol, which also sees the favicon. */
export async function meter(context, page) {
  const cdp = await context.newCDPSession(page);
  const requests = new Map();
  let last = Date.now();
  const rec = (id) => {
    last = Date.now();
    if (!requests.has(id)) requests.set(id, { done: false });
    return requests.get(id);
  };
  cdp.on('Network.requestWillBeSent', (e) => {
    rec(e.requestId).url = e.request.url;
  });
  cdp.on('Network.loadingFinished', (e) => {
    Object.assign(rec(e.requestId), { done: true, bytes: e.encodedDataLength });
  });
  cdp.on('Network.loadingFailed', (e) => {
    Object.assign(rec(e.requestId), { done: true, bytes: 0, error: e.errorText });
  });
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  return {
    reset() {
      requests.clear();
    },
    /** The bytes since the last reset, once the network has been quiet for half a second. */
    async bytes() {
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        if (![...requests.values()].some((r) => !r.done) && Date.now() - last > 500) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const all = [...requests.values()].filter((r) => !r.url?.startsWith('data:'));
      for (const r of all) assert.equal(r.error, undefined, `${r.url} failed: ${r.error}`);
      assert.deepEqual(all.filter((r) => !r.url.startsWith(`${BASE.replace(/:\d+$/, '')}`)).map((r) => r.url), [], 'only the server is asked');
      return all.reduce((n, r) => n + (r.bytes ?? 0), 0);
    },
  };
}

/** A phone's browser context in `browser`: Vietnamese (or `lang`), JavaScript on or off, no
 * service worker (each page must be measured as fetched). */
export function phoneContext(browser, { js = true, lang = 'vi' } = {}) {
  return browser.newContext(contextOptions({
    ...PHONE,
    locale: lang === 'en' ? 'en-GB' : 'vi-VN',
    javaScriptEnabled: js,
    bypassCSP: js, // only to inject axe-core
    serviceWorkers: 'block',
    extraHTTPHeaders: { 'Accept-Encoding': 'gzip, br', 'Accept-Language': lang === 'en' ? 'en' : 'vi-VN,vi' },
  }));
}

export async function axe(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A page as the villager sees it: fits 360 px, the simulation label in view where a
 * simulated screen is, tap targets ≥ 44 px, ≤ 30,000 bytes; axe with JavaScript; screenshots
 * in the folder `out`. */
export async function check(t, page, m, name, { out, js = true, lang = 'vi', desktop = false } = {}) {
  const bytes = await m.bytes();
  t.diagnostic(`${name}: ${bytes} B on the wire`);
  assert.ok(bytes <= BUDGET, `${name}: ${bytes} bytes > ${BUDGET}`);
  assert.equal(await page.locator('html').getAttribute('lang'), lang, `${name} is in ${lang}`);
  const width = await page.locator('html').evaluate((el) => el.scrollWidth).catch(() => null);
  if (width !== null) assert.ok(width <= 360, `${name} scrolls sideways: ${width} px > 360`);
  if ((await page.locator('section.sim').count()) > 0) {
    const label = page.locator('section.sim .sim-label');
    assert.equal(norm(await label.innerText()), LABEL[lang], `${name}: the simulation label`);
    await page.locator('section.sim').scrollIntoViewIfNeeded();
    assert.ok(await label.isVisible(), `${name}: the simulation label is visible`);
    // Still in view with the screen's last button scrolled to the bottom of the phone.
    const lastAction = page.locator('section.sim button').last();
    if ((await lastAction.count()) > 0) {
      await lastAction.scrollIntoViewIfNeeded();
      const box = await label.boundingBox();
      assert.ok(box && box.y >= 0 && box.y + box.height <= PHONE.viewport.height, `${name}: the simulation label stays in view (${JSON.stringify(box)})`);
    }
  }
  const targets = page.locator('main button, main input:not([type=hidden]):not([type=radio]), main label:has(input[type=radio]), main a');
  const small = [];
  for (let i = 0; i < (await targets.count()); i += 1) {
    const box = await targets.nth(i).boundingBox();
    if (box && (box.width < MIN_TARGET || box.height < MIN_TARGET)) {
      small.push(`${norm(await targets.nth(i).innerText()).slice(0, 40) || (await targets.nth(i).getAttribute('name'))} ${box.width.toFixed(0)}×${box.height.toFixed(0)}`);
    }
  }
  assert.deepEqual(small, [], `${name}: tap targets under ${MIN_TARGET}×${MIN_TARGET} px`);
  await page.evaluate(() => window.scrollTo(0, 0)).catch(() => {});
  await page.screenshot({ path: join(out, `${name}-360.png`), fullPage: true });
  if (desktop) {
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: join(out, `${name}-1366.png`), fullPage: true });
    await page.setViewportSize(PHONE.viewport);
  }
  if (js) assert.deepEqual(await axe(page), [], `${name}: axe`);
}

/** The result box of a finished attempt: its words, and the score. */
export async function outcome(page) {
  const box = nfc(await page.locator('.task-outcome').innerText());
  const score = box.match(/(\d+)\/(\d+)/);
  assert.ok(score, `a score in “${box}”`);
  return { box, points: Number(score[1]), max: Number(score[2]) };
}

export async function startTask(page, m, id) {
  m.reset();
  await page.goto(`${BASE}/thuc-hanh/${id}`);
  const start = page.locator('main form[action="/thuc-hanh/' + id + '"] button[type=submit]');
  assert.equal(await start.count(), 1, 'a start button');
  m.reset();
  const [res] = await Promise.all([page.waitForNavigation(), start.click()]);
  assert.equal(res.status(), 200, `starting ${id}`);
}
