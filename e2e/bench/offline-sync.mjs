// Measures the offline queue (issue 20's figures); a measuring script, not a test.
//
//   node e2e/bench/offline-sync.mjs [--runs 3] [--binary PATH]
//
// Each run starts `binhdan serve --demo` on a fresh SQLite database (as e2e/run.sh does, with
// the test OpenID provider as VNeID), signs in four new learners and gives each the same kind
// of 100 actions: 50 lessons marked done and 50 practice-quiz answers (first choice; ordering
// questions by their steps in shown order). Per learner, one way of sending them:
//
//   queued   offline: the page goes offline (DevTools' network emulation), the 100 actions
//            wait in IndexedDB (BinhDanQueue.add, as the pages queue them), then the network
//            returns — throttled or not in the same DevTools command — and the page's own
//            `online` handler sends the queue. Timed from the page's `online` event until the
//            queue is empty.
//   online   the same 100 actions sent one by one as forms, as a phone without the script
//            does: each lesson's POST /bai/{id}/xong (and the page it redirects to), each
//            answer's POST /hoc/kiem-tra/{module} (an ordering question: one POST per tap).
//
// both over "slow" (400 kbps up and down, 400 ms latency: Network.emulateNetworkConditions)
// and unthrottled. After each, the server's database must hold exactly 100 more lesson and
// answer rows (counted once), or the run fails. The first run also saves every module of the
// citizens' course ("Tải về để học khi không có mạng") and prints the bytes.
//
// Settings: BINHDAN_E2E_BINARY (default ../target/debug/binhdan, not built here),
// BINHDAN_E2E_CHROMIUM (default /usr/bin/chromium). Needs `sqlite3` (to count rows).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, binary: { type: 'string' } },
});
const RUNS = Number(args.runs);
const BIN = resolve(args.binary || process.env.BINHDAN_E2E_BINARY || join(ROOT, 'target/debug/binhdan'));

const SLOW = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };
const FAST = { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
const OFFLINE = { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
const LEARNERS = ['hoangvand', 'phamthilan', 'nguyenvana', 'dothithu'];
const MODES = [
  { name: 'queued, slow', queued: true, net: SLOW },
  { name: 'online, slow', queued: false, net: SLOW },
  { name: 'queued, unthrottled', queued: true, net: FAST },
  { name: 'online, unthrottled', queued: false, net: FAST },
];

const freePort = () => new Promise((ok) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// VNeID's stand-in, once: it must know the server's callback, so the server's port is fixed.
const PORT = await freePort();
const ORIGIN = `http://127.0.0.1:${PORT}`;
const CALLBACK = `${ORIGIN}/dang-nhap/vneid/goi-lai`;
const provider = spawn('node', ['server.mjs', '0', CALLBACK], { cwd: join(ROOT, 'tests-support/oidc-provider'), stdio: ['ignore', 'pipe', 'inherit'] });
const ISSUER = await new Promise((ok, fail) => {
  let out = '';
  provider.stdout.on('data', (d) => {
    out += d;
    const m = /^READY (\S+)/m.exec(out);
    if (m) ok(m[1]);
  });
  provider.on('exit', () => fail(new Error('the test OpenID provider exited')));
});
process.env.BINHDAN_E2E_URL = ORIGIN;
const { contextOptions, launch, registerInCommune, signInWithVneid } = await import('../lib/harness.mjs');

/** `binhdan serve --demo` on a fresh database; resolves once /readyz answers 200. */
async function startServer() {
  const work = mkdtempSync(join(tmpdir(), 'binhdan-offline-bench.'));
  symlinkSync(join(ROOT, 'content'), join(work, 'content'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BINHDAN_') || k === 'BINHDAN_LOG'));
  Object.assign(env, {
    NO_COLOR: '1',
    BINHDAN_DATABASE_URL: `sqlite://${work}/bench.db`,
    BINHDAN_LISTEN: `127.0.0.1:${PORT}`,
    BINHDAN_OIDC__ISSUER: ISSUER,
    BINHDAN_OIDC__CLIENT_ID: 'binhdan-test',
    BINHDAN_OIDC__CLIENT_SECRET: 'binhdan-test-secret',
    BINHDAN_OIDC__REDIRECT_URL: CALLBACK,
  });
  const log = createWriteStream(join(work, 'server.log'));
  const child = spawn(BIN, ['serve', '--demo'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}); see ${work}/server.log`);
    if (Date.now() > deadline) throw new Error('the server was not ready in 300 s');
    try {
      const r = await fetch(`${ORIGIN}/readyz`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(300);
  }
  return {
    db: join(work, 'bench.db'),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((ok) => (child.exitCode !== null ? ok() : child.on('exit', ok)));
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Lesson and answer rows in the server's database (each counts once by its key). */
function rows(db) {
  const sql = 'SELECT (SELECT count(*) FROM lesson_progress) + (SELECT count(*) FROM quiz_response);';
  return Number(execFileSync('sqlite3', ['-readonly', db, sql], { encoding: 'utf8' }).trim());
}

/** 50 lessons and 50 practice answers of a signed-in learner, read from the pages (online). */
async function actions(page, origin) {
  const lessons = [];
  for (const course of ['cong-dan', 'hoc-sinh', 'nguoi-lao-dong']) {
    await page.goto(`${origin}/hoc/${course}`);
    lessons.push(...await page.$$eval('ol.outline a[href^="/bai/"]', (as) => as.map((a) => a.getAttribute('href').slice('/bai/'.length))));
  }
  await page.goto(`${origin}/hoc/cong-dan`);
  const modules = await page.$$eval('[data-save-module]', (bs) => bs.map((b) => b.getAttribute('data-save-module')));
  const answers = [];
  for (const module of modules) {
    if (answers.length >= 50) break;
    await page.goto(`${origin}/hoc/kiem-tra/${encodeURIComponent(module)}/ngoai-tuyen`);
    answers.push(...await page.$$eval('form.offline-q', (forms) => forms.map((f) => {
      const v = (n) => f.elements.namedItem(n)?.value ?? '';
      const choice = f.querySelector('input[name=choice]');
      return {
        module: f.getAttribute('data-module'),
        csrf: v('csrf'),
        attempt: v('attempt'),
        item: v('item'),
        shown_at: v('shown_at'),
        steps: [...f.querySelectorAll('button[name=pick]')].map((b) => b.value).filter((x) => x !== 'lai'),
        choice: choice ? choice.value : null,
      };
    })));
  }
  return { lessons: lessons.slice(0, 50), answers: answers.slice(0, 50) };
}

/** The wire items the page would queue for those actions. */
function queued({ lessons, answers }) {
  return [
    ...lessons.map((lesson) => ({ kind: 'lesson_done', wire: { lesson }, label: `lesson ${lesson}` })),
    ...answers.map((a) => ({
      kind: 'answer',
      label: `answer ${a.item}`,
      wire: {
        module: a.module,
        attempt: Number(a.attempt),
        item: a.item,
        fields: a.steps.length ? a.steps.map((p, rank) => [`rank_${p}`, String(rank + 1)]) : [['choice', a.choice]],
        elapsed_ms: 5000,
      },
    })),
  ];
}

/** The same actions as the forms a phone without the script posts, in order. */
function posts({ lessons, answers }) {
  const out = lessons.map((lesson) => ({ url: `/bai/${encodeURIComponent(lesson)}/xong`, body: [['csrf', answers[0].csrf]] }));
  for (const a of answers) {
    const base = [['csrf', a.csrf], ['attempt', a.attempt], ['item', a.item], ['shown_at', a.shown_at]];
    const url = `/hoc/kiem-tra/${encodeURIComponent(a.module)}`;
    if (!a.steps.length) {
      out.push({ url, body: [...base, ['choice', a.choice]] });
      continue;
    }
    a.steps.forEach((pick, i) => {
      out.push({ url, body: [...base, ['steps', String(a.steps.length)], ['picked', a.steps.slice(0, i).join(',')], ['pick', pick]] });
    });
  }
  return out;
}

async function measure(browser, server, login, mode) {
  const context = await browser.newContext(contextOptions({ viewport: { width: 360, height: 640 }, isMobile: true }));
  const page = await context.newPage();
  await page.goto(`${ORIGIN}/dang-nhap`);
  await signInWithVneid(page, login);
  await registerInCommune(page, 'cac son');
  const todo = await actions(page, ORIGIN);
  if (todo.lessons.length !== 50 || todo.answers.length !== 50) throw new Error(`found ${todo.lessons.length} lessons and ${todo.answers.length} answers`);
  await page.goto(`${ORIGIN}/hoc/cong-dan`);
  await page.waitForFunction(() => self.BinhDanQueue && self.BinhDanQueue.me().then((w) => !!w));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const before = rows(server.db);
  let seconds;
  let requests = 0;
  let upBytes = 0;
  let downBytes = 0;
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.method === 'POST') upBytes += (e.request.postData || '').length;
    requests += 1;
  });
  cdp.on('Network.loadingFinished', (e) => { downBytes += e.encodedDataLength; });
  let statuses = {};
  if (mode.queued) {
    await cdp.send('Network.emulateNetworkConditions', OFFLINE);
    await page.waitForFunction(() => navigator.onLine === false);
    await page.evaluate(async (items) => {
      const Q = self.BinhDanQueue;
      const who = await Q.me();
      for (const x of items) await Q.add(who, x.kind, x.wire, x.label);
    }, queued(todo));
    if ((await page.evaluate(() => self.BinhDanQueue.all('queue'))).length !== 100) throw new Error('100 items were not queued');
    // Armed before the network returns: the time of `online`, then of the empty queue.
    await page.evaluate(() => {
      self.benchDone = new Promise((ok) => {
        let t0 = null;
        const got = {};
        addEventListener('online', () => { t0 = performance.now(); }, { once: true });
        addEventListener('binhdan-queue', (e) => {
          (e.detail || []).forEach((r) => { got[r.status] = (got[r.status] || 0) + 1; });
          self.BinhDanQueue.all('queue').then((q) => {
            if (t0 !== null && !q.some((x) => x.state !== 'refused')) ok({ seconds: (performance.now() - t0) / 1000, got, refused: q.length });
          });
        });
      });
    });
    requests = 0;
    upBytes = 0;
    downBytes = 0;
    await cdp.send('Network.emulateNetworkConditions', mode.net);
    const done = await Promise.race([page.evaluate(() => self.benchDone), sleep(120_000).then(() => null)]);
    if (!done) throw new Error('the queue did not drain in 120 s');
    seconds = done.seconds;
    statuses = done.got;
    if (done.refused) statuses.kept = done.refused;
  } else {
    await cdp.send('Network.emulateNetworkConditions', mode.net);
    requests = 0;
    upBytes = 0;
    downBytes = 0;
    const r = await page.evaluate(async (list) => {
      const t0 = performance.now();
      const got = {};
      for (const p of list) {
        const resp = await fetch(p.url, { method: 'POST', credentials: 'same-origin', body: new URLSearchParams(p.body) });
        await resp.text();
        got[resp.status] = (got[resp.status] || 0) + 1;
      }
      return { seconds: (performance.now() - t0) / 1000, got };
    }, posts(todo));
    seconds = r.seconds;
    statuses = r.got;
  }
  await sleep(300); // the last loadingFinished events
  const counted = rows(server.db) - before;
  await context.close();
  if (counted !== 100) throw new Error(`${mode.name}: the server counted ${counted} rows, not 100 (${JSON.stringify(statuses)})`);
  return { seconds, requests, upBytes, downBytes, statuses };
}

/** Bytes to save each module of the citizens' course, as the "Tải về" button does. */
async function saveModules(browser) {
  const context = await browser.newContext(contextOptions({ viewport: { width: 360, height: 640 }, isMobile: true }));
  const page = await context.newPage();
  await page.goto(`${ORIGIN}/dang-nhap`);
  await signInWithVneid(page, 'tranthib');
  await registerInCommune(page, 'cac son');
  await page.goto(`${ORIGIN}/hoc/cong-dan`);
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 20_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let onWire = 0;
  let fetched = 0;
  cdp.on('Network.loadingFinished', (e) => {
    onWire += e.encodedDataLength;
    fetched += 1;
  });
  const out = [];
  const n = await page.locator('[data-save-module]').count();
  for (let i = 0; i < n; i += 1) {
    const button = page.locator('[data-save-module]').nth(i);
    const module = await button.getAttribute('data-save-module');
    await button.click();
    await page.waitForFunction((m) => /KB/.test(document.querySelector(`[data-save-module="${m}"]`).textContent), module);
    const asked = (await button.textContent()).trim();
    onWire = 0;
    fetched = 0;
    await button.click();
    await page.waitForFunction((m) => document.querySelector(`[data-save-module="${m}"]`).textContent.includes('✓'), module, { timeout: 60_000 });
    await sleep(200);
    const saved = await page.evaluate((m) => self.BinhDanQueue.all('saved').then((s) => s.find((x) => x.module === m)), module);
    out.push({ module, kept: saved.bytes, onWire, fetched, asked });
  }
  await context.close();
  return out;
}

const pad = (s, n) => String(s).padEnd(n);
const browser = await launch();
const results = Object.fromEntries(MODES.map((m) => [m.name, []]));
try {
  for (let run = 1; run <= RUNS; run += 1) {
    const server = await startServer();
    try {
      if (run === 1) {
        console.log('\nBytes to save a module of the citizens\' course ("Tải về để học khi không có mạng"):');
        console.log(`${pad('module', 28)}${pad('kept on the phone', 20)}${pad('on the wire', 14)}${pad('requests', 10)}button said`);
        for (const s of await saveModules(browser)) {
          console.log(`${pad(s.module, 28)}${pad(`${s.kept} B`, 20)}${pad(`${s.onWire} B`, 14)}${pad(s.fetched, 10)}${s.asked}`);
        }
      }
      console.log(`\nRun ${run}: 100 actions (50 lessons done, 50 practice answers)`);
      console.log(`${pad('how', 24)}${pad('seconds', 10)}${pad('requests', 10)}${pad('sent B', 10)}${pad('received B', 12)}statuses`);
      for (const [i, mode] of MODES.entries()) {
        const r = await measure(browser, server, LEARNERS[i], mode);
        results[mode.name].push(r.seconds);
        console.log(`${pad(mode.name, 24)}${pad(r.seconds.toFixed(2), 10)}${pad(r.requests, 10)}${pad(r.upBytes, 10)}${pad(r.downBytes, 12)}${JSON.stringify(r.statuses)}`);
      }
    } finally {
      await server.stop();
    }
  }
  console.log(`\nSeconds over ${RUNS} run(s), min – max (each checked: 100 rows counted once):`);
  for (const [name, xs] of Object.entries(results)) {
    console.log(`${pad(name, 24)}${Math.min(...xs).toFixed(2)} – ${Math.max(...xs).toFixed(2)}`);
  }
} finally {
  await browser.close();
  provider.kill('SIGTERM');
}
