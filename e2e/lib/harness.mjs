// Shared set-up for the browser tests: where the server is, how Chromium is
// launched, which pages every check walks through.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Origin of the server under test, e.g. http://127.0.0.1:41234 (no trailing slash). */
export const BASE = (() => {
  const raw = process.env.BINHDAN_E2E_URL;
  if (!raw) {
    throw new Error('BINHDAN_E2E_URL is not set: run the tests with e2e/run.sh, which starts the server');
  }
  return new URL(raw).origin;
})();

export const CHROMIUM = process.env.BINHDAN_E2E_CHROMIUM || '/usr/bin/chromium';

export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Timeout for one test (ms): a hung browser must not hang CI. */
export const TIMEOUT = 90_000;

/**
 * Options for a browser context as a Vietnamese learner's phone browser has
 * them: the server picks the language from Accept-Language (after ?lang=),
 * and headless Chromium would otherwise send "en-US".
 */
export function contextOptions(extra = {}) {
  return { locale: 'vi-VN', ...extra };
}

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 60_000 });
}

/**
 * The pages every page-level check (axe, weight, phone layout) walks through.
 * `status` is the HTTP status the page must answer with.
 */
export const PAGES = [
  { path: '/', status: 200 },
  { path: '/don-vi/38', status: 200 },
  { path: '/don-vi/16591', status: 200 },
  { path: '/tim-kiem?q=thon', status: 200 },
  { path: '/tim-kiem', status: 200 },
  { path: '/don-vi/99999', status: 404 },
  { path: '/?lang=en', status: 200 },
  { path: '/hoc', status: 200 },
  { path: '/hoc/cong-dan', status: 200 },
  { path: '/bai/cong-dan.dien-thoai.bat-tat-va-sac', status: 200 },
  { path: '/bai/cong-dan.dien-thoai.bat-tat-va-sac?chu=lon&tuong-phan=cao', status: 200 },
  { path: '/bai/khong-co', status: 404 },
  { path: '/dang-nhap', status: 200 },
  { path: '/dang-nhap/can-bo', status: 200 },
];

/** Source of axe.min.js from node_modules, and the version it claims. */
export const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_VERSION = require('axe-core/package.json').version;

/** Vietnamese text may arrive composed or decomposed; compare it in NFC. */
export const nfc = (s) => String(s ?? '').normalize('NFC');

/** A file-name-safe slug for a page path: "/tim-kiem?q=thon" -> "tim-kiem_q_thon". */
export const slug = (path) => path.replace(/^\/+/, '').replace(/[^a-zA-Z0-9-]+/g, '_').replace(/^_+|_+$/g, '') || 'home';

/** WCAG 2.2 A/AA violations axe-core finds on the page, one line each (empty: none). */
export async function axeViolations(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** From the sign-in page, VNeID (the test provider) signs in `login`, who is on no roster
 * yet: ends on the registration page (which returns, once registered, to the page the sign-in
 * started from, if any). */
export async function signInWithVneid(page, login) {
  await Promise.all([page.waitForNavigation(), page.click('a[href^="/dang-nhap/vneid"]')]);
  await Promise.all([page.waitForNavigation(), page.click(`a[href*="login=${login}"]`)]);
  await page.waitForURL((u) => new URL(u).pathname === '/dang-ky', { timeout: 30_000 });
}

/** On the registration page: finds a commune by `query` and picks its first village; ends on
 * the citizen's page. */
export async function registerInCommune(page, query) {
  await page.fill('#q', query);
  await Promise.all([page.waitForNavigation(), page.click('form[role=search] button')]);
  await Promise.all([page.waitForNavigation(), page.click('a[href^="/dang-ky?xa="]')]);
  await page.check('input[name=unit] >> nth=0');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/dang-ky"] button[type=submit]')]);
}
