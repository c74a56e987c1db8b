// @ts-check
// Access: the personal API tokens (made with a name and an optional expiry, the new token shown once; revoked),
// the open dashboard sessions (the current one marked; ending it signs this browser out) and the password.
import { del, get, post } from './api.js';
import { dateTime, field, fill, h } from './dom.js';
import { passwordSection } from './password.js';

/**
 * @typedef {{ id: string, name: string, current: boolean, createdAt: string, lastUsedAt: string | null, expiresAt: string | null }} Token
 * @typedef {{ id: string, userAgent: string | null, current: boolean, createdAt: string, lastSeenAt: string, apiTokenId: string | null }} Session
 */

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function accessView(section, ctx) {
  const fresh = h('div', { class: 'card new-token', role: 'status', hidden: true });
  const tokens = h('div', { class: 'table-wrap' });
  const sessions = h('div', { class: 'table-wrap' });
  section.append(
    h('h3', {}, 'API tokens'),
    createForm(),
    fresh,
    tokens,
    h('h3', {}, 'Dashboard sessions'),
    h('p', { class: 'muted' }, 'Browsers signed in to this dashboard. Revoking a token also ends the sessions opened with it.'),
    sessions,
  );
  passwordSection(ctx).then((password) => password && section.append(password), ctx.fail);

  async function refresh() {
    /** @type {[Token[], Session[]]} */
    const [tokenList, sessionList] = await Promise.all([get('/api/tokens'), get('/api/sessions')]);
    const tokenNames = new Map(tokenList.map((t) => [t.id, t.name]));
    fill(tokens, tokenList.length === 0 ? h('p', { class: 'muted' }, 'No tokens.') : tokenTable(tokenList));
    fill(sessions, sessionList.length === 0 ? h('p', { class: 'muted' }, 'No open sessions.') : sessionTable(sessionList, tokenNames));
  }

  function createForm() {
    const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
    const days = h('input', { name: 'expiresInDays', type: 'number', min: 1, max: 3650, step: 1, inputmode: 'numeric' });
    const form = h('form', { class: 'card token-form', 'aria-label': 'New API token' },
      h('div', { class: 'row' },
        field('Name', name, 'What the token is for, e.g. "laptop" or "calendar script".'),
        field('Expires after (days)', days, 'Empty: never expires.'),
      ),
      h('button', { type: 'submit' }, 'Create token'),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      /** @type {{ name: string, expiresInDays?: number }} */
      const body = { name: name.value };
      if (days.value) body.expiresInDays = Number(days.value);
      try {
        const issued = await post('/api/tokens', body);
        form.reset();
        showOnce(issued);
        await refresh();
      } catch (error) {
        ctx.fail(error);
      }
    });
    return form;
  }

  /** The token itself is in this answer only; the page keeps it until the view is left. */
  /** @param {{ name: string, token: string }} issued */
  function showOnce(issued) {
    const value = h('input', { class: 'token-value', readonly: true, value: issued.token, 'aria-label': `The new token "${issued.name}"`, onfocus: () => value.select() });
    fill(fresh,
      h('p', {}, h('strong', {}, `Token "${issued.name}" created. Copy it now: it is shown only this once.`)),
      value,
      h('p', { class: 'muted' }, 'Select it and copy (Ctrl+C or ⌘C); use it as "Authorization: Bearer <token>".'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { fresh.hidden = true; fill(fresh); } }, 'Done, I copied it'),
    );
    fresh.hidden = false;
    value.focus();
  }

  /** @param {Token[]} list */
  function tokenTable(list) {
    return h('table', { class: 'tokens' },
      h('thead', {}, h('tr', {}, ['Name', 'Created', 'Last used', 'Expires', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.map((token) => h('tr', { 'data-token': token.id },
        h('td', {}, token.name, token.current && h('span', { class: 'badge current' }, 'this request')),
        h('td', {}, dateTime(token.createdAt)),
        h('td', {}, token.lastUsedAt ? dateTime(token.lastUsedAt) : 'never'),
        h('td', {}, token.expiresAt ? dateTime(token.expiresAt) : 'never'),
        h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => revokeToken(token) }, 'Revoke')),
      ))),
    );
  }

  /**
   * @param {Session[]} list
   * @param {Map<string, string>} tokenNames
   */
  function sessionTable(list, tokenNames) {
    return h('table', { class: 'sessions' },
      h('thead', {}, h('tr', {}, ['Browser', 'Signed in', 'Last seen', 'With', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.map((session) => h('tr', { 'data-session': session.id },
        h('td', {}, session.userAgent ?? 'unknown browser', session.current && h('span', { class: 'badge current' }, 'this browser')),
        h('td', {}, dateTime(session.createdAt)),
        h('td', {}, dateTime(session.lastSeenAt)),
        h('td', {}, session.apiTokenId ? `token "${tokenNames.get(session.apiTokenId) ?? '?'}"` : 'e-mail and password'),
        h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => revokeSession(session) }, session.current ? 'Sign out here' : 'Revoke')),
      ))),
    );
  }

  /** @param {Token} token */
  async function revokeToken(token) {
    if (!confirm(`Revoke the token "${token.name}"? Programs using it stop working, and browsers signed in with it are signed out.`)) return;
    try {
      await del(`/api/tokens/${token.id}`);
      ctx.notify(`Token "${token.name}" revoked.`);
      await refresh();
    } catch (error) {
      ctx.fail(error);
    }
  }

  /** @param {Session} session */
  async function revokeSession(session) {
    try {
      await del(`/api/sessions/${session.id}`);
      // Ending our own session signs us out: the next request answers 401 and the shell shows the sign-in form.
      if (session.current) return void (await refresh().catch(() => {}));
      ctx.notify('Session ended.');
      await refresh();
    } catch (error) {
      ctx.fail(error);
    }
  }

  return { refresh };
}
