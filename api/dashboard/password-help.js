// A forgotten password (where sign-up is on): ask for a link by e-mail, then set a new password on the page the
// link opens (/app/?reset=<secret>). The secret is read once, when the page loads, before the shell tidies the URL.
import { ApiError, post } from './api.js';

const resetSecret = new URLSearchParams(location.search).get('reset');

export function setUpPasswordHelp(section, notify) {
  const forgot = section.querySelector('#forgot-password');
  const reset = section.querySelector('#new-password');
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

async function submit(form, send) {
  const status = form.querySelector('.status');
  const error = form.querySelector('.error');
  status.textContent = '';
  error.textContent = '';
  try {
    status.textContent = await send();
  } catch (failure) {
    error.textContent = failure instanceof ApiError ? failure.message : String(failure);
  }
}
