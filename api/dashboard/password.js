// @ts-check
// The password for e-mail and password sign-in (offered where sign-up is on): changing it needs the current one,
// when there is one, and signs out every other browser.
import { get, put } from './api.js';
import { field, h } from './dom.js';

/** @typedef {import('./types.js').ViewContext} ViewContext */

/**
 * The password form, or nothing where this server takes no passwords (sign-up off).
 * @param {ViewContext} ctx
 */
export async function passwordSection(ctx) {
  const { signup } = await get('/app/config');
  if (!signup) return null;
  const current = h('input', { name: 'currentPassword', type: 'password', autocomplete: 'current-password', maxlength: 200 });
  const next = h('input', { name: 'newPassword', type: 'password', autocomplete: 'new-password', required: true, minlength: 12, maxlength: 200 });
  const form = h('form', { class: 'card password-form', 'aria-label': 'Change password' },
    h('div', { class: 'row' },
      field('Current password', current, 'Empty if this account has no password yet.'),
      field('New password', next, 'At least 12 characters.'),
    ),
    h('button', { type: 'submit' }, 'Change password'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    /** @type {{ newPassword: string, currentPassword?: string }} */
    const body = { newPassword: next.value };
    if (current.value) body.currentPassword = current.value;
    try {
      await put('/api/account/password', body);
      form.reset();
      ctx.notify('Password changed. Other browsers are signed out.');
    } catch (error) {
      ctx.fail(error);
    }
  });
  return h('section', { 'aria-label': 'Password' }, h('h3', {}, 'Password'), form);
}
