// TEST ONLY — a local OpenID provider standing in for VNeID in Bình Dân's tests.
//
// Never deploy this: it signs in anyone who names a test user (`?login=nguyenvana`), with no
// password, and grants every scope asked for without asking for consent.
//
// Usage: node server.mjs [PORT] [REDIRECT_URI[,REDIRECT_URI…]]
//   or:  PORT=4011 REDIRECT_URI=http://127.0.0.1:8080/auth/vneid/callback node server.mjs
// PORT 0 (the default) picks a free port. When listening, prints exactly one line on stdout:
//   READY http://127.0.0.1:PORT
// (the issuer). Everything else goes to stderr.

import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const redirectUris = (
  process.argv[3] ?? process.env.REDIRECT_URI ?? 'http://127.0.0.1:8080/auth/vneid/callback'
).split(',').map((s) => s.trim()).filter(Boolean);
export const CLIENT_ID = 'binhdan-test';
const clientSecret = process.env.CLIENT_SECRET ?? 'binhdan-test-secret';

// Test citizens. CCCDs are structurally valid (province of birth, century/sex digit, year of
// birth) but belong to nobody.
export const USERS = {
  // 038 Thanh Hóa; 0 = male, born 19xx; 90 = 1990.
  nguyenvana: {
    cccd: '038090012345',
    name: 'Nguyễn Văn A',
    family_name: 'Nguyễn',
    given_name: 'Văn A',
    birthdate: '1990-05-17',
    gender: 'male',
  },
  // 001 Hà Nội; 3 = female, born 20xx; 01 = 2001.
  tranthib: {
    cccd: '001301006789',
    name: 'Trần Thị Bích',
    family_name: 'Trần',
    given_name: 'Thị Bích',
    birthdate: '2001-11-03',
    gender: 'female',
  },
  // 038 Thanh Hóa; 1 = female, born 19xx; 78 = 1978. Checks in at a live event by QR code.
  lethihoa: {
    cccd: '038178004321',
    name: 'Lê Thị Hoa',
    family_name: 'Lê',
    given_name: 'Thị Hoa',
    birthdate: '1978-02-14',
    gender: 'female',
  },
  // 038 Thanh Hóa; 0 = male, born 19xx; 66 = 1966. Learns offline (e2e/tests/offline.test.mjs).
  hoangvand: {
    cccd: '038066007788',
    name: 'Hoàng Văn Dũng',
    family_name: 'Hoàng',
    given_name: 'Văn Dũng',
    birthdate: '1966-08-20',
    gender: 'male',
  },
  // 038 Thanh Hóa; 1 = female, born 19xx; 52 = 1952. Walks the front door (e2e/tests/home.test.mjs).
  phamthilan: {
    cccd: '038152004455',
    name: 'Phạm Thị Lan',
    family_name: 'Phạm',
    given_name: 'Thị Lan',
    birthdate: '1952-05-09',
    gender: 'female',
  },
  // 038 Thanh Hóa; 0 = male, born 19xx; 70 = 1970. Signs in and out on a team member's
  // phone (e2e/tests/team-offline.test.mjs).
  vivankhanh: {
    cccd: '038070006612',
    name: 'Vi Văn Khánh',
    family_name: 'Vi',
    given_name: 'Văn Khánh',
    birthdate: '1970-04-02',
    gender: 'male',
  },
  // 038 Thanh Hóa; 1 = female, born 19xx; 58 = 1958. Practises simulated tasks with
  // JavaScript (e2e/tests/tasks.test.mjs).
  dothithu: {
    cccd: '038158003344',
    name: 'Đỗ Thị Thu',
    family_name: 'Đỗ',
    given_name: 'Thị Thu',
    birthdate: '1958-10-21',
    gender: 'female',
  },
  // 038 Thanh Hóa; 0 = male, born 19xx; 55 = 1955. Practises simulated tasks without
  // JavaScript (e2e/tests/tasks.test.mjs).
  ngovanbay: {
    cccd: '038055009911',
    name: 'Ngô Văn Bảy',
    family_name: 'Ngô',
    given_name: 'Văn Bảy',
    birthdate: '1955-07-07',
    gender: 'male',
  },
  // 038 Thanh Hóa; 1 = female, born 19xx; 63 = 1963. Sits an exam with simulated tasks
  // (e2e/tests/tasks.test.mjs, on a server of its own).
  luongthimai: {
    cccd: '038163005522',
    name: 'Lương Thị Mai',
    family_name: 'Lương',
    given_name: 'Thị Mai',
    birthdate: '1963-03-30',
    gender: 'female',
  },
  // No CCCD claim: for the relying party's "VNeID sent no CCCD" path.
  khongcccd: {
    name: 'Lê Văn Không',
    family_name: 'Lê',
    given_name: 'Văn Không',
    birthdate: '1985-01-01',
    gender: 'male',
  },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { methods: ['S256'], required: () => true },
  jwks: { keys: [jwk] },
  cookies: { keys: ['binhdan-test-only-cookie-key'] },
  scopes: ['openid', 'profile', 'cccd'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'family_name', 'given_name', 'birthdate', 'gender'],
    cccd: ['cccd'],
  },
  // Put the scopes' claims in the ID token too (not only at the userinfo endpoint), as the
  // relying party reads the CCCD from the ID token.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
  },
  // A `login_hint` given in the authorization request is passed on to the interaction, so a
  // client that follows redirects signs in with no extra step.
  interactions: {
    url(_ctx, interaction) {
      const hint = interaction.params.login_hint;
      return `/interaction/${interaction.uid}${hint ? `?login=${encodeURIComponent(hint)}` : ''}`;
    },
  },
  async findAccount(_ctx, id) {
    const user = USERS[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...user };
      },
    };
  },
  renderError(ctx, out) {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `${out.error}: ${out.error_description ?? ''}\n`;
  },
};

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  const issuer = `http://127.0.0.1:${actual}`;
  const provider = new Provider(issuer, configuration);
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
    provider.on(event, (_ctx, err) => console.error(`[oidc-provider] ${event}: ${err.message} ${err.error_description ?? ''}`));
  }
  const oidc = provider.callback();
  server.on('request', (req, res) => {
    const url = new URL(req.url, issuer);
    const m = url.pathname.match(/^\/interaction\/([\w-]+)$/);
    if (m && req.method === 'GET') {
      interaction(provider, req, res, url).catch((err) => {
        console.error(`[interaction] ${err.stack ?? err}`);
        if (!res.headersSent) {
          res.writeHead(err instanceof errors.SessionNotFound ? 400 : 500, { 'content-type': 'text/plain' });
        }
        res.end(`interaction failed: ${err.message}\n`);
      });
      return;
    }
    oidc(req, res);
  });
  console.log(`READY ${issuer}`);
});

// TEST ONLY: the whole "login and consent" UI. GET /interaction/:uid?login=USER signs USER in;
// the consent prompt that follows is granted at once with every scope and claim requested.
async function interaction(provider, req, res, url) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    const login = url.searchParams.get('login');
    if (!login) {
      const links = Object.keys(USERS)
        .map((u) => `<li><a href="?login=${u}">${u}</a> — ${USERS[u].name}</li>`)
        .join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><title>Test VNeID</title><p>TEST ONLY provider. Sign in as:</p><ul>${links}</ul>`);
      return;
    }
    if (!USERS[login]) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: `no test user ${login}`,
      }, { mergeWithLastSubmission: false });
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    if (prompt.details.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    const consent = details.grantId ? {} : { grantId };
    await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
    return;
  }
  res.writeHead(400, { 'content-type': 'text/plain' });
  res.end(`unexpected prompt ${prompt.name}\n`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
