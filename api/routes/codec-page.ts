// The operator's sign-in page for the codec server (GET /codec): one field for the operator token, posted once to
// /codec/session, and the settings the Temporal Web UI needs afterwards. The script is a file of its own, so the
// page runs under a CSP without inline script.
import type { Config } from '../../lib/config.js';

export const pageHeaders = {
  'content-security-policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function codecSignInPage(config: Config): string {
  const endpoint = `${config.publicUrl}/codec`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>castsync codec server: operator sign-in</title>
<script src="/codec/sign-in.js" defer></script>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .25em}</style>
</head><body>
<h1>Codec server: operator sign-in</h1>
<p>The Temporal Web UI at <a href="${escapeHtml(config.temporalUiUrl)}">${escapeHtml(config.temporalUiUrl)}</a> shows castsync's
encrypted payloads decoded once this browser holds an operator session.</p>
<form id="sign-in"><label>Operator token <input id="token" type="password" autocomplete="off" required></label>
<button type="submit">Sign in</button> <button type="button" id="sign-out">Sign out</button></form>
<p id="status" role="status"></p>
<p>Then, in the Web UI: the codec icon (top right), <em>Use my browser setting and ignore Cluster-level setting</em>,
endpoint <code>${escapeHtml(endpoint)}</code>, and tick <em>Include cross-origin credentials</em>. Open the UI and
this page under the same host name (both <code>localhost</code>, or both under one domain), or the browser keeps the
cookie to itself.</p>
</body></html>
`;
}

export const codecSignInScript = `document.addEventListener('DOMContentLoaded', () => {
  const status = document.getElementById('status');
  const call = (method, body) => fetch('/codec/session', {
    method, credentials: 'same-origin',
    headers: body ? { 'content-type': 'application/json', 'x-castsync-csrf': '1' } : { 'x-castsync-csrf': '1' },
    body: body ? JSON.stringify(body) : undefined,
  });
  document.getElementById('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    const field = document.getElementById('token');
    const answer = await call('POST', { token: field.value });
    field.value = '';
    status.textContent = answer.ok ? 'Signed in: this browser may use the codec server for 12 hours.' : 'Not signed in: that is not the operator token.';
  });
  document.getElementById('sign-out').addEventListener('click', async () => {
    await call('DELETE');
    status.textContent = 'Signed out.';
  });
});
`;
