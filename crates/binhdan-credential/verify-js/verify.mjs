// Independent verification of a Bình Dân certificate token, with no Rust code involved:
//   node verify.mjs <token-file> <jwks-file>
// 1. jose: find the JWK whose kid is the token's kid, importJWK, jwtVerify with
//    algorithms ['EdDSA'] and typ 'vc+jwt' (the payload is the credential itself).
// 2. ajv (draft 2019-09, the official schema's draft): validate the payload against the
//    vendored Open Badges 3.0 AchievementCredential schema.
// Prints one JSON line; exit 0 = accepted, 1 = signature/JOSE rejected,
// 2 = schema rejected, 3 = usage or I/O error.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const out = (obj, code) => {
  process.stdout.write(JSON.stringify(obj) + '\n');
  process.exit(code);
};

const [tokenFile, jwksFile] = process.argv.slice(2);
if (!tokenFile || !jwksFile) out({ ok: false, stage: 'usage', error: 'node verify.mjs <token-file> <jwks-file>' }, 3);

let token, jwks;
try {
  token = readFileSync(tokenFile, 'utf8').trim();
  jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
} catch (e) {
  out({ ok: false, stage: 'io', error: String(e) }, 3);
}

let payload, header;
try {
  header = decodeProtectedHeader(token);
  const jwk = (jwks.keys ?? []).find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no key with kid ${header.kid}`);
  const key = await importJWK(jwk, 'EdDSA');
  ({ payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], typ: 'vc+jwt' }));
} catch (e) {
  out({ ok: false, stage: 'jose', error: String(e?.code ?? e) }, 1);
}

const schema = JSON.parse(readFileSync(join(here, 'schema', 'ob_v3p0_achievementcredential_schema.json'), 'utf8'));
// strictTuples off: "@context" is an open tuple (first item fixed, more allowed).
const ajv = new Ajv2019({ allErrors: true, strict: true, strictTuples: false });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(schema);
} catch (e) {
  out({ ok: false, stage: 'schema-compile', error: String(e) }, 3);
}
if (!validate(payload)) {
  out({ ok: false, stage: 'schema', kid: header.kid, errors: validate.errors }, 2);
}
out({ ok: true, kid: header.kid, id: payload.id, name: payload.name }, 0);
