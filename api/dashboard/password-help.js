// @ts-check
// A forgotten password (where sign-up is on): ask for a link by e-mail, then set a new password on the page the
// link opens (/app/?reset=<secret>). The secret is read once, when the page loads, before the shell tidies the URL.
import { ApiError, post } from './api.js';
import { $ } from './dom.js';

const resetSecret = new URLSearchParams(location.search).get('reset');

/**
 * @param {HTMLElement} section
 * @param {(message: string, kind?: string) => void} notify
 */
export function setUpPasswordHelp(section, notify) {
  /** @type {HTMLFormElement} */
  const forgot = $('#forgot-password', section);
  /** @type {HTMLFormElement} */
  const reset = $('#new-password', section);
  forgot.hidden = Boolean(resetSecret);
  reset.hidden = !resetSecret;
  forgot.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit(forgot, async () => {
      const answer = await post('/app/password-reset', { email: forgot.email.value });
      forgot.reset();
      return `${answer.message[0].toUpperCase()}${answer.message.slice(1)}.`;
    });
  });
  reset.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit(reset, async () => {
      await post('/app/password-reset/confirm', { token: resetSecret, newPassword: reset.newPassword.value });
      reset.reset();
      reset.hidden = true;
      forgot.hidden = false;
      notify('Your new password is set: sign in with it.');
      return '';
    });
  });
}

/**
 * @param {HTMLFormElement} form
 * @param {() => Promise<string>} send what to say when it went well
 */
async function submit(form, send) {
  const status = $('.status', form);
  const error = $('.error', form);
  status.textContent = '';
  error.textContent = '';
  try {
    status.textContent = await send();
  } catch (failure) {
    error.textContent = failure instanceof ApiError ? failure.message : String(failure);
  }
}
