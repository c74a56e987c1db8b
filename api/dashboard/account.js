// @ts-check
// Account: download everything castsync holds about you (GET /api/account/export, a zip), and leave (DELETE
// /api/account). Deleting asks for the account's e-mail address typed out, the same confirmation the API demands,
// so a stray click deletes nothing; the API's refusal (a mismatch, the sync service away) is shown as it says it.
import { api, get } from './api.js';
import { $, field, fill, h } from './dom.js';

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function accountView(section, ctx) {
  const about = h('p', { class: 'muted' });
  const download = h('a', { href: '/api/account/export', download: '', id: 'export-link' }, 'Download my data');
  const confirm = h('input', { name: 'confirm', type: 'email', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Delete my account');
  const hint = h('small', {});
  const form = h('form', { class: 'card', id: 'delete-account', 'aria-labelledby': 'delete-title' },
    h('h3', { id: 'delete-title' }, 'Delete my account'),
    h('p', {}, 'Every platform is disconnected (castsync’s access is revoked where the platform allows it), and your calendar, media, profile, sync history, audit trail and account are deleted from castsync. This cannot be undone; download your data first if you want to keep it.'),
    field('Type your e-mail address to confirm', confirm),
    hint,
    submit,
    error,
  );
  let email = '';

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (confirm.value.trim().toLowerCase() !== email.toLowerCase()) {
      error.textContent = `Type ${email} exactly to confirm.`;
      return confirm.focus();
    }
    submit.disabled = true;
    try {
      await api('DELETE', '/api/account', { confirm: confirm.value.trim() });
    } catch (failure) {
      submit.disabled = false;
      error.textContent = failure instanceof Error ? failure.message : String(failure);
      return;
    }
    await api('DELETE', '/app/session').catch(() => {});
    for (const selector of ['nav', '.who']) $(selector).hidden = true;
    fill(section, h('h2', { id: 'view-title' }, 'Account deleted'), h('p', {}, 'Your account and everything castsync held about it are deleted.'));
    ctx.notify('Your account is deleted.');
  });

  section.append(
    h('div', { class: 'cards wide' },
      h('div', { class: 'card' }, h('h3', {}, 'Your data'), about, h('p', {}, 'One zip file: your account, profile, calendar (deleted entries too), media with the original files, connections (never passwords or keys), sync history, conflicts and audit trail, with a README saying what each file is.'), download),
      form,
    ),
  );

  async function refresh() {
    const account = await get('/api/account');
    email = account.email;
    about.textContent = `Signed in as ${account.name} <${account.email}>.`;
    hint.textContent = `Type ${account.email}`;
  }

  return { refresh };
}
