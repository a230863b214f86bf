// The layout on a small, cheap phone: 360×640 CSS px.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BASE, PAGES, TIMEOUT, contextOptions, launch, slug } from '../lib/harness.mjs';

const OUT = fileURLToPath(new URL('../out/', import.meta.url));
const PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
/** WCAG 2.2 SC 2.5.8 Target Size (Minimum): 24×24 CSS px. */
const MIN_TARGET = 24;
/** Tap targets checked: the header's links, buttons, form fields. */
const TARGETS = 'header a, button, input:not([type="hidden"]), select, textarea';

let browser;
before(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launch();
});
after(async () => { await browser?.close(); });

describe('360×640 phone: no horizontal scrolling, tap targets ≥ 24×24 px', () => {
  for (const { path, status } of PAGES) {
    test(path, { timeout: TIMEOUT }, async (t) => {
      const context = await browser.newContext(contextOptions(PHONE));
      try {
        const page = await context.newPage();
        const res = await page.goto(`${BASE}${path}`);
        assert.equal(res.status(), status, `GET ${path} status`);
        await page.screenshot({ path: `${OUT}phone-${slug(path)}.png` });

        const { scrollWidth, clientWidth } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
        }));
        assert.equal(clientWidth, 360, 'the page is laid out for the phone width (meta viewport)');
        assert.ok(scrollWidth <= 360, `${path} scrolls sideways: scrollWidth ${scrollWidth} > 360`);

        const targets = await page.locator(TARGETS).evaluateAll((els) =>
          els
            .filter((el) => {
              const s = getComputedStyle(el);
              const r = el.getBoundingClientRect();
              return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;
            })
            .map((el) => {
              const r = el.getBoundingClientRect();
              const name = (el.innerText || el.getAttribute('aria-label') || el.name || el.id || '').trim();
              return { what: `<${el.tagName.toLowerCase()}> "${name}"`, width: r.width, height: r.height };
            }),
        );
        for (const x of targets) t.diagnostic(`${x.what} ${x.width.toFixed(1)}×${x.height.toFixed(1)}`);
        assert.ok(targets.length >= 3, `found the tap targets (${targets.length})`);
        const small = targets.filter((x) => x.width < MIN_TARGET || x.height < MIN_TARGET);
        assert.deepEqual(
          small.map((x) => `${x.what} ${x.width.toFixed(1)}×${x.height.toFixed(1)}`),
          [],
          `tap targets under ${MIN_TARGET}×${MIN_TARGET} CSS px on ${path}`,
        );
      } finally {
        await context.close();
      }
    });
  }
});

test('screenshot of the home page at 360×640 → out/home.png', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions(PHONE));
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    const png = await page.screenshot({ path: `${OUT}home.png` });
    // PNG signature, then IHDR width and height.
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), 360, 'screenshot width');
    assert.equal(png.readUInt32BE(20), 640, 'screenshot height');
  } finally {
    await context.close();
  }
});
