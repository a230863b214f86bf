// Smoke test of the TEST-ONLY provider: starts server.mjs on a free port and runs the whole
// authorization code flow with PKCE using plain fetch (redirects followed by hand, cookies kept
// by hand), as the Rust relying party will. Exits 0 when every check passes.
//
// Usage: node smoke.mjs

import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const REDIRECT_URI = 'http://127.0.0.1:9/callback'; // never fetched: the flow stops at it
const CLIENT_SECRET = 'binhdan-test-secret';
let passed = 0;
let failed = 0;

function check(label, ok, detail = '') {
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${detail ? ` — ${detail}` : ''}`);
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const decodeJwtPart = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

// --- start the provider -----------------------------------------------------------------
const child = spawn(process.execPath, ['server.mjs', '0', REDIRECT_URI], {
  cwd: new URL('.', import.meta.url),
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, CLIENT_SECRET },
});
const lines = createInterface({ input: child.stdout });
const [first] = await Promise.race([
  once(lines, 'line'),
  new Promise((_, reject) => setTimeout(() => reject(new Error('no READY line in 10 s')), 10_000)),
]);
const issuer = first.replace(/^READY /, '');
check('provider prints READY', first.startsWith('READY http://127.0.0.1:'), first);

try {
  // --- discovery --------------------------------------------------------------------------
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  check('discovery issuer', discovery.issuer === issuer);
  check('discovery offers S256 only', JSON.stringify(discovery.code_challenge_methods_supported) === '["S256"]');
  check('discovery lists the cccd scope and claim', discovery.scopes_supported.includes('cccd') && discovery.claims_supported.includes('cccd'));

  // --- a browser-less user agent: follows redirects by hand, keeps cookies ------------------
  const jar = new Map();
  async function get(url) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }
  // Follows redirects until the one to the client's redirect_uri, which it returns. `login`
  // is added to the interaction URL when asked for.
  async function authorize(params, login) {
    let url = `${discovery.authorization_endpoint}?${new URLSearchParams(params)}`;
    for (let hops = 0; hops < 10; hops += 1) {
      if (url.startsWith(REDIRECT_URI)) return new URL(url);
      const u = new URL(url, issuer);
      if (login && u.pathname.startsWith('/interaction/') && !u.searchParams.has('login')) {
        u.searchParams.set('login', login);
      }
      const res = await get(u);
      const location = res.headers.get('location');
      if (!location) throw new Error(`no redirect from ${u.pathname}: ${res.status} ${await res.text()}`);
      url = new URL(location, u).toString();
    }
    throw new Error('too many redirects');
  }

  // --- the flow: PKCE, state, nonce -------------------------------------------------------
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const callback = await authorize({
    client_id: 'binhdan-test',
    response_type: 'code',
    scope: 'openid profile cccd',
    redirect_uri: REDIRECT_URI,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }, 'nguyenvana');
  const code = callback.searchParams.get('code');
  check('callback carries a code', Boolean(code), callback.searchParams.get('error') ?? '');
  check('callback returns our state', callback.searchParams.get('state') === state);
  check('callback carries iss (RFC 9207)', callback.searchParams.get('iss') === issuer);

  // --- token exchange (client_secret_basic + code_verifier) --------------------------------
  const basic = Buffer.from(`binhdan-test:${CLIENT_SECRET}`).toString('base64');
  const exchange = (body) => fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });
  const wrongVerifier = await exchange({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: b64url(randomBytes(32)) });
  check('a wrong code_verifier is refused', wrongVerifier.status === 400, (await wrongVerifier.json()).error);
  // The refused attempt consumed the code (codes are single-use): run the flow again.
  const callback2 = await authorize({
    client_id: 'binhdan-test', response_type: 'code', scope: 'openid profile cccd', redirect_uri: REDIRECT_URI,
    state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
  }, 'nguyenvana');
  const tokenRes = await exchange({ grant_type: 'authorization_code', code: callback2.searchParams.get('code'), redirect_uri: REDIRECT_URI, code_verifier: verifier });
  const tokens = await tokenRes.json();
  check('token endpoint answers 200', tokenRes.status === 200, tokens.error ?? '');

  // --- the ID token ----------------------------------------------------------------------
  const [h, p, s] = tokens.id_token.split('.');
  const header = decodeJwtPart(h);
  const claims = decodeJwtPart(p);
  const jwks = await (await fetch(discovery.jwks_uri)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  const signatureOk = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  check('ID token signature (RS256, from jwks_uri)', header.alg === 'RS256' && signatureOk);
  check('ID token iss, aud, nonce', claims.iss === issuer && claims.aud === 'binhdan-test' && claims.nonce === nonce);
  check('ID token cccd claim', claims.cccd === '038090012345', claims.cccd);
  check('ID token name with diacritics', claims.name === 'Nguyễn Văn A', claims.name);
  check('ID token birthdate', claims.birthdate === '1990-05-17');
  console.log(`     ID token claims: ${JSON.stringify({ sub: claims.sub, cccd: claims.cccd, name: claims.name, birthdate: claims.birthdate })}`);

  const userinfo = await (await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
  check('userinfo cccd claim', userinfo.cccd === '038090012345');

  // --- PKCE is required; login_hint signs in with no extra step ----------------------------
  jar.clear();
  const noPkce = await authorize({ client_id: 'binhdan-test', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state, nonce });
  check('an authorization request without PKCE is refused', noPkce.searchParams.get('error') === 'invalid_request', noPkce.searchParams.get('error_description'));
  const hinted = await authorize({
    client_id: 'binhdan-test', response_type: 'code', scope: 'openid profile cccd', redirect_uri: REDIRECT_URI,
    state, nonce, code_challenge: challenge, code_challenge_method: 'S256', login_hint: 'tranthib',
  });
  const hintedTokens = await (await exchange({ grant_type: 'authorization_code', code: hinted.searchParams.get('code'), redirect_uri: REDIRECT_URI, code_verifier: verifier })).json();
  check('login_hint=tranthib signs in tranthib', decodeJwtPart(hintedTokens.id_token.split('.')[1]).cccd === '001301006789');
  jar.clear();
  const unknown = await authorize({
    client_id: 'binhdan-test', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
    state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
  }, 'khongtontai');
  check('an unknown test user gets access_denied', unknown.searchParams.get('error') === 'access_denied');
} catch (err) {
  check('flow completes', false, err.stack ?? String(err));
} finally {
  child.kill('SIGTERM');
}
console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
