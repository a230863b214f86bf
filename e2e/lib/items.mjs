// The curriculum's item bank, read from its files, and a learner who answers every question
// rightly: the exam tests pass the exam as a well-prepared learner would.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { nfc } from './harness.mjs';

/** The item bank, by stem (NFC, trimmed). */
export function itemBank() {
  const dir = new URL('../../content/items/', import.meta.url);
  const byStem = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.toml'))) {
    const doc = parseToml(readFileSync(new URL(f, dir), 'utf8'));
    for (const item of doc.item ?? []) byStem.set(nfc(item.stem).trim(), item);
  }
  return byStem;
}

export const optionText = (o) => nfc(typeof o === 'string' ? o : o.alt).trim();

/** Answers the question on the page rightly. */
export async function answerRightly(page, items) {
  const stem = nfc(await page.textContent('form.quiz legend.stem')).trim();
  const item = items.get(stem);
  assert.ok(item, `no item with the stem “${stem}”`);
  if (item.kind === 'true_false') {
    await page.check(`form.quiz input[name=choice][value="${item.answer}"]`);
  } else if (item.kind === 'ordering') {
    // Tap the steps in their order: each tap is a form submission; the last one answers.
    for (const step of item.options) {
      const button = page.locator('form.quiz button.step', { hasText: optionText(step) });
      assert.equal(await button.count(), 1, `one button for the step “${optionText(step)}”`);
      await Promise.all([page.waitForNavigation(), button.click()]);
    }
    return;
  } else {
    const right = item.answer.map((i) => optionText(item.options[i]));
    for (const label of await page.$$('form.quiz label.option')) {
      const img = await label.$('img');
      const text = nfc(img ? await img.getAttribute('alt') : await label.textContent()).trim();
      if (right.includes(text)) await (await label.$('input')).check();
    }
  }
  await Promise.all([page.waitForNavigation(), page.click('form.quiz button[type=submit]')]);
}
