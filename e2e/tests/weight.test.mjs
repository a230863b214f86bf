// Page weight: a learner's page, document plus everything the browser fetches
// for it, must arrive in at most 30 KB compressed, and nothing may come from
// another origin.
//
// Requests are recorded with the Chrome DevTools Protocol rather than
// Playwright's request events: Playwright hides the browser's own
// /favicon.ico request, which a real phone makes (and pays for) all the same.
// Each page is loaded in a fresh browser, as on a first visit: nothing cached,
// not even the favicon.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PAGES, TIMEOUT, contextOptions, launch } from '../lib/harness.mjs';

/** The budget: 30 KB, counted strictly as 30,000 bytes, HTTP headers included. */
const BUDGET = 30_000;
const ACCEPT_ENCODING = 'gzip, br';
/** Where a browser looks for the site's icon when a page declares none. */
const FAVICON = `${BASE}/favicon.ico`;

/** Load `path` in a fresh browser and record every network request of the page. */
async function loadAndRecord(path) {
  const browser = await launch();
  try {
    const context = await browser.newContext(contextOptions({ extraHTTPHeaders: { 'Accept-Encoding': ACCEPT_ENCODING } }));
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const requests = new Map(); // requestId -> record
    let lastEvent = Date.now();
    const record = (id) => {
      lastEvent = Date.now();
      if (!requests.has(id)) requests.set(id, { id, done: false });
      return requests.get(id);
    };
    cdp.on('Network.requestWillBeSent', (e) => {
      const r = record(e.requestId);
      r.url = e.request.url;
      r.type = e.type;
      r.acceptEncoding ??= e.request.headers['Accept-Encoding'];
    });
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
      const r = record(e.requestId);
      const h = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v]));
      if (h['accept-encoding'] !== undefined) r.acceptEncoding = h['accept-encoding'];
    });
    cdp.on('Network.responseReceived', (e) => {
      const r = record(e.requestId);
      r.status = e.response.status;
      r.fromCache = e.response.fromDiskCache || e.response.fromServiceWorker || e.response.fromPrefetchCache;
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      r.encoding = h['content-encoding'] ?? 'identity';
    });
    cdp.on('Network.loadingFinished', (e) => {
      const r = record(e.requestId);
      r.done = true;
      r.bytes = e.encodedDataLength; // bytes on the wire: headers + (compressed) body
    });
    cdp.on('Network.loadingFailed', (e) => {
      const r = record(e.requestId);
      r.done = true;
      r.error = e.errorText;
    });
    await cdp.send('Network.enable');
    const consoleErrors = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));

    const res = await page.goto(`${BASE}${path}`, { waitUntil: 'networkidle' });
    // The favicon is asked for after "load"; wait until the network has been
    // quiet for a second with nothing pending (at most 10 s).
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const pending = [...requests.values()].some((r) => !r.done);
      if (!pending && Date.now() - lastEvent > 1000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { status: res.status(), requests: [...requests.values()], consoleErrors };
  } finally {
    await browser.close();
  }
}

describe(`page weight ≤ ${BUDGET} bytes transferred (Accept-Encoding: ${ACCEPT_ENCODING}), same origin only`, () => {
  for (const { path, status } of PAGES) {
    test(path, { timeout: TIMEOUT }, async (t) => {
      const { status: got, requests, consoleErrors } = await loadAndRecord(path);
      assert.equal(got, status, `GET ${path} status`);
      assert.ok(requests.length >= 2, `requests were recorded (${requests.length}): the document and its stylesheet`);

      for (const r of requests) {
        const bytes = r.bytes ?? 0;
        t.diagnostic(`${r.type} ${r.url.startsWith(BASE) ? r.url.slice(BASE.length) : r.url}: ${r.status ?? '-'} ${bytes} B ${r.encoding ?? ''}${r.error ? ` FAILED ${r.error}` : ''}`);
      }
      const total = requests.reduce((sum, r) => sum + (r.bytes ?? 0), 0);
      t.diagnostic(`total ${total} B in ${requests.length} request(s)`);

      const foreign = requests.map((r) => r.url).filter((u) => !u.startsWith(`${BASE}/`));
      assert.deepEqual(foreign, [], `requests to another origin than ${BASE}`);

      const document = requests.find((r) => r.url === `${BASE}${path}`);
      assert.ok(document, 'the document request was recorded');
      for (const r of requests) {
        assert.equal(r.error, undefined, `request ${r.url} failed: ${r.error}`);
        assert.ok(r.done && typeof r.bytes === 'number', `request ${r.url} finished and was measured`);
        assert.ok(!r.fromCache, `request ${r.url} came from a cache: a first visit was not measured`);
        assert.equal(r.acceptEncoding, ACCEPT_ENCODING, `${r.url} was asked for with Accept-Encoding: ${ACCEPT_ENCODING}`);
        // The favicon's own test is below: one failure for one cause.
        if (r !== document && r.url !== FAVICON) {
          assert.ok(r.status < 400, `${r.url} answered ${r.status}: every request a page causes must succeed`);
        }
      }
      // Anything else the browser complained about (CSP violations land here).
      const unexpected = consoleErrors.filter(
        (m) => !(status >= 400 && m.endsWith(`(${BASE}${path})`)) && !m.endsWith(`(${FAVICON})`),
      );
      assert.deepEqual(unexpected, [], 'console errors');

      assert.ok(total <= BUDGET, `${path} transferred ${total} bytes, over the ${BUDGET}-byte budget`);
    });
  }
});

test('the icon the browser asks for on a first visit does not fail', { timeout: TIMEOUT }, async () => {
  // Every browser fetches /favicon.ico on a first visit unless the page
  // declares an icon (<link rel="icon" href="data:,"> costs nothing). A 404
  // there is a wasted round trip and a wasted error page on every new phone.
  const { requests } = await loadAndRecord('/');
  const icons = requests.filter((r) => r.type !== 'Document' && r.type !== 'Stylesheet' && /icon|\.ico/i.test(r.url));
  for (const r of icons) {
    assert.ok(r.status < 400, `${r.url} answered ${r.status} (${r.bytes} B wasted per first visit): serve an icon or declare <link rel="icon" href="data:,">`);
  }
});
