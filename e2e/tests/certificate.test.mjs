// A citizen passes the certification exam in a real browser (the test reads the right answers
// from the curriculum's files, as a well-prepared learner would know them), sees their
// certificate with its QR code, and the certificate is verified by an independent
// implementation: `jose` checks the VC-JOSE signature against the server's published JWKS,
// the Open Badges 3.0 JSON Schema accepts it, and the signed status list says it is not
// revoked. axe-core checks the pages. The printable PDF is read back by another independent
// implementation (Mozilla's pdf.js): its text, diacritics and all, and its page sizes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { BASE, TIMEOUT, axeViolations, contextOptions, launch, nfc, registerInCommune, signInWithVneid } from '../lib/harness.mjs';
import { answerRightly, itemBank } from '../lib/items.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a citizen passes the exam and an independent verifier accepts the certificate', { timeout: TIMEOUT * 2 }, async () => {
  const items = itemBank();
  const context = await browser.newContext(contextOptions({ bypassCSP: true }));
  const page = await context.newPage();

  // Sign in with VNeID as Trần Thị Bích and register in a commune.
  await page.goto(`${BASE}/dang-nhap`);
  await signInWithVneid(page, 'tranthib');
  await registerInCommune(page, 'cac son');
  assert.equal(new URL(page.url()).pathname, '/toi');

  // The certification exam, answered rightly: a pass, and the certificate at once.
  await page.goto(`${BASE}/hoc/thi`);
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/chung-chi"] button')]);
  for (let q = 0; q < 40 && (await page.$('form.quiz')); q += 1) await answerRightly(page, items);
  assert.match(nfc(await page.textContent('.result')), /Chúc mừng! Bạn đã đạt/);
  assert.deepEqual(await axeViolations(page), []);
  await Promise.all([page.waitForNavigation(), page.click('main a.button[href="/hoc/chung-chi"]')]);
  const mine = nfc(await page.textContent('main'));
  assert.match(mine, /Trần Thị Bích/);
  assert.match(mine, /Hợp lệ/);
  assert.ok(await page.$('figure.qr svg'), 'the QR code is drawn');
  assert.deepEqual(await axeViolations(page), []);

  // The signed credential, as the learner downloads it.
  const href = await page.getAttribute('a[href$="/tai-ve"]', 'href');
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const download = await fetch(`${BASE}${href}`, { headers: { cookie } });
  assert.equal(download.headers.get('content-type'), 'application/vc+jwt');
  const token = (await download.text()).trim();

  // jose, against the published keys only.
  const jwks = await (await fetch(`${BASE}/.well-known/jwks.json`)).json();
  const keys = createLocalJWKSet(jwks);
  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, 'EdDSA');
  assert.equal(header.typ, 'vc+jwt');
  const { payload } = await jwtVerify(token, keys, { algorithms: ['EdDSA'], typ: 'vc+jwt' });
  assert.ok(payload['@context'].includes('https://www.w3.org/ns/credentials/v2'));
  assert.ok(payload.type.includes('VerifiableCredential'));
  assert.ok(payload.type.some((t) => t === 'OpenBadgeCredential' || t === 'AchievementCredential'));
  const did = await (await fetch(`${BASE}/.well-known/did.json`)).json();
  assert.equal(payload.issuer.id, did.id);
  assert.ok(header.kid.startsWith(`${did.id}#`));
  // The Open Badges 3.0 JSON Schema (1EdTech's) accepts it.
  const schemaPath = process.env.BINHDAN_E2E_OB3_SCHEMA;
  assert.ok(schemaPath, 'run.sh provides the Open Badges 3.0 schema');
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
  assert.ok(validate(payload), JSON.stringify(validate.errors, null, 1));
  const { validFrom, ...undated } = payload;
  assert.ok(validFrom && !validate(undated), 'the schema does refuse a credential without validFrom');
  const subject = payload.credentialSubject;
  assert.equal(nfc(subject.name), 'Trần Thị Bích');
  assert.equal(subject.identifier[0].hashed, true);
  assert.match(subject.identifier[0].identityHash, /^sha256\$[0-9a-f]{64}$/);
  assert.ok(!token.includes('001301006789') && !JSON.stringify(payload).includes('001301006789'), 'no CCCD');

  // A tampered token does not verify.
  const [h, p, s] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...payload, credentialSubject: { ...subject, name: 'Kẻ Mạo Danh' } })).toString('base64url');
  await assert.rejects(jwtVerify(`${h}.${forged}.${s}`, keys, { algorithms: ['EdDSA'] }));

  // The status list, verified the same way: this certificate's bit is 0 (not revoked).
  const status = payload.credentialStatus;
  assert.equal(status.type, 'BitstringStatusListEntry');
  assert.equal(status.statusPurpose, 'revocation');
  const listUrl = new URL(status.statusListCredential);
  const listToken = (await (await fetch(`${BASE}${listUrl.pathname}`)).text()).trim();
  const { payload: list } = await jwtVerify(listToken, keys, { algorithms: ['EdDSA'] });
  assert.equal(list.id, status.statusListCredential);
  const bits = gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), 'base64url'));
  const index = Number(status.statusListIndex);
  assert.equal((bits[index >> 3] >> (7 - (index & 7))) & 1, 0);

  // The printable certificate, A4 and phone-sized, read back by pdf.js: one page each, the
  // Vietnamese as it was written (the text layer is what copy, search and screen readers get).
  for (const [kho, size] of [['a4', [595.28, 841.89]], ['dien-thoai', [360, 720]]]) {
    const link = await page.getAttribute(`a[href$="/pdf/${kho}"]`, 'href');
    const res = await fetch(`${BASE}${link}`, { headers: { cookie } });
    assert.equal(res.status, 200, kho);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const doc = await getDocument({ data: new Uint8Array(await res.arrayBuffer()), useSystemFonts: false, isEvalSupported: false }).promise;
    assert.equal(doc.numPages, 1, kho);
    const sheet = await doc.getPage(1);
    assert.deepEqual(sheet.view.map((v) => Math.round(v * 100) / 100), [0, 0, ...size], kho);
    const text = nfc((await sheet.getTextContent()).items.map((i) => i.str).join(' ').replace(/\s+/g, ' '));
    for (const want of ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập – Tự do – Hạnh phúc', 'GIẤY CHỨNG NHẬN',
      'PHỔ CẬP TRI THỨC VỀ CHUYỂN ĐỔI SỐ, KỸ NĂNG SỐ', 'Trần Thị Bích', subject.achievement.name.split(' ')[0]]) {
      assert.ok(text.includes(nfc(want)), `${kho}: "${want}" in ${text}`);
    }
    assert.ok(text.replace(/ /g, '').includes(payload.id.replace('urn:uuid:', '')), `${kho}: the serial number`);
    assert.ok(!text.includes('001301006789'), 'no CCCD on the certificate');
    const meta = await doc.getMetadata();
    assert.equal(meta.info.Language, 'vi');
    await doc.destroy();
  }

  // The W3C VC API agrees; the public page too, with axe.
  const api = await fetch(`${BASE}/credentials/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ verifiableCredential: token }),
  });
  assert.equal((await api.json()).verified, true);
  await page.goto(`${BASE}/chung-chi/${payload.id.replace('urn:uuid:', '')}`);
  assert.match(nfc(await page.textContent('main')), /Hợp lệ/);
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});
