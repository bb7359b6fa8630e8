// An OpenID Connect provider on loopback for the sign-in tests (node's
// oidc-provider, a certified implementation), standing in for the ministry's
// Keycloak or Entra ID.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json: {"port": 0, "clients": [...oidc-provider client metadata...],
// "users": [{"sub", "email", "name", "groups", "password"}]}. Prints one line
// "listening <issuer>" when it answers. The login form is a plain HTML form
// (user name = e-mail, password); consent is granted for the configured
// clients; an account chooser (prompt=select_account) continues with the
// account of a live provider session, as a real one does with one account.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { URLSearchParams } from 'node:url';

import Provider, { interactionPolicy } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = new Map(config.users.map((u) => [u.sub, u]));

const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }));

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body style="font-family:sans-serif;margin:3em auto;width:22em"><h1>${escape(title)}</h1>${body}</body></html>`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

function loginForm(uid, message = '') {
  return page('Landesportal: Anmeldung', `${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>E-Mail <input name="login" autocomplete="username"></label><br>
<label>Kennwort <input name="password" type="password" autocomplete="current-password"></label><br>
<button type="submit">Einloggen</button></form>`);
}

const server = http.createServer();
server.listen(config.port || 0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // the claims of the requested scopes go into the ID token, which is what
    // Streamlit reads (Keycloak and Entra ID put them there, too)
    conformIdTokenClaims: false,
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    pkce: { required: () => true },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // sign out at once (Keycloak does so when the request carries id_token_hint)
        async logoutSource(ctx, form) {
          ctx.body = page('Abmelden', `${form}<script>
const f = document.getElementById('op.logoutForm');
const yes = document.createElement('input');
yes.type = 'hidden'; yes.name = 'logout'; yes.value = 'yes';
f.appendChild(yes); f.submit();</script>`);
        },
      },
    },
    async findAccount(_ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: user.email,
            email_verified: true,
            name: user.name,
            preferred_username: user.email.split('@')[0],
            groups: user.groups || [],
          };
        },
      };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));

  const oidc = provider.callback();
  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (!match) {
      oidc(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (match[2] && req.method === 'POST') {
        const form = await readBody(req);
        const user = [...users.values()].find((u) => u.email === form.get('login'));
        if (!user || user.password !== form.get('password')) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(loginForm(details.uid, 'E-Mail oder Kennwort ist falsch.'));
          return;
        }
        await provider.interactionFinished(req, res, {
          login: { accountId: user.sub },
          select_account: {},
        }, { mergeWithLastSubmission: false });
        return;
      }
      if (details.prompt.name === 'select_account' && details.session?.accountId) {
        await provider.interactionFinished(req, res, { select_account: {} });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(loginForm(details.uid));
    } catch (err) {
      console.error('interaction_error', err);
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(String(err.message || err));
    }
  });
  console.log(`listening ${issuer}`);
});
