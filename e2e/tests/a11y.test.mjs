// axe-core: no WCAG 2.2 A/AA violations on any page.
//
// The server's CSP forbids inline scripts, so the axe runs use a context with
// bypassCSP: true (only here; every other test keeps the real CSP).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AXE_SOURCE, AXE_VERSION, BASE, PAGES, TIMEOUT, contextOptions, launch } from '../lib/harness.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Inject axe into the page and run it; returns axe's results. */
async function runAxe(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const version = await page.evaluate(() => window.axe?.version);
  assert.equal(version, AXE_VERSION, 'axe-core was injected and runs in the page');
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    TAGS,
  );
  // A run that checked nothing proves nothing.
  assert.ok(results.passes.length + results.violations.length > 0, 'axe checked some rules');
  return results;
}

function describeViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `      - ${n.target.join(' ')}\n        ${n.html.replace(/\s+/g, ' ').slice(0, 200)}\n        ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`)
        .join('\n');
      return `  * ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})\n${nodes}`;
    })
    .join('\n');
}

test('the axe harness catches violations (self-check)', { timeout: TIMEOUT }, async () => {
  const context = await browser.newContext(contextOptions({ bypassCSP: true }));
  try {
    const page = await context.newPage();
    await page.setContent('<!doctype html><html><head><title>x</title></head><body><main><button></button><input type="text"></main></body></html>');
    const ids = (await runAxe(page)).violations.map((v) => v.id).sort();
    for (const id of ['button-name', 'html-has-lang', 'label']) {
      assert.ok(ids.includes(id), `axe reports ${id} on a broken page (got: ${ids.join(', ')})`);
    }
  } finally {
    await context.close();
  }
});

describe(`axe-core ${AXE_VERSION}: no WCAG 2.2 A/AA violations (${TAGS.join(', ')})`, () => {
  for (const { path, status } of PAGES) {
    test(path, { timeout: TIMEOUT }, async (t) => {
      const context = await browser.newContext(contextOptions({ bypassCSP: true }));
      try {
        const page = await context.newPage();
        const res = await page.goto(`${BASE}${path}`);
        assert.equal(res.status(), status, `GET ${path} status`);
        const { violations, incomplete, passes, inapplicable } = await runAxe(page);
        t.diagnostic(`${passes.length} rules passed (${passes.map((r) => r.id).join(', ')}), ${inapplicable.length} inapplicable`);
        for (const v of incomplete) {
          t.diagnostic(`needs review: ${v.id} [${v.impact ?? 'n/a'}] on ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        }
        if (violations.length > 0) {
          const report = describeViolations(violations);
          console.log(`axe violations on ${path}:\n${report}`);
          assert.fail(`${violations.length} WCAG violation(s) on ${path}:\n${report}`);
        }
      } finally {
        await context.close();
      }
    });
  }
});

// High contrast (`?tuong-phan=cao`, then remembered) is offered for people with weak eyes: it
// must reach WCAG AAA's 7:1 (axe's color-contrast-enhanced) on every page, not only AA's 4.5:1.
describe(`axe-core ${AXE_VERSION}: high contrast reaches WCAG AAA (color-contrast-enhanced)`, () => {
  for (const { path, status } of PAGES.filter((p) => p.status === 200)) {
    test(`${path} (high contrast)`, { timeout: TIMEOUT }, async () => {
      const context = await browser.newContext(contextOptions({ bypassCSP: true }));
      try {
        const page = await context.newPage();
        const sep = path.includes('?') ? '&' : '?';
        const res = await page.goto(`${BASE}${path}${sep}tuong-phan=cao`);
        assert.equal(res.status(), status, `GET ${path} status`);
        assert.match((await page.getAttribute('body', 'class')) ?? '', /contrast/, 'high contrast is on');
        await page.addScriptTag({ content: AXE_SOURCE });
        const results = await page.evaluate(() =>
          window.axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast-enhanced'] }, resultTypes: ['violations'] }),
        );
        assert.ok(results.passes.length + results.violations.length + results.incomplete.length > 0, 'the rule ran');
        if (results.violations.length > 0) {
          const report = describeViolations(results.violations);
          assert.fail(`contrast below 7:1 on ${path} in high contrast:\n${report}`);
        }
      } finally {
        await context.close();
      }
    });
  }
});
