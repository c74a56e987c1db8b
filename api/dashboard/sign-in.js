// @ts-check
// The sign-in choices: an API token always; where the server has sign-up on (GET /app/config), e-mail and
// password too, and a form to create an account (a confirmation link is mailed; the page says only "check your
// e-mail", whether or not the address already had an account).
import { ApiError, get, post } from './api.js';
import { $ } from './dom.js';

let signupOn = false;

/**
 * Shows the password method and the sign-up form when the server offers them.
 * @param {HTMLFormElement} signInForm
 * @param {HTMLFormElement} signUpForm
 */
export async function setUpSignIn(signInForm, signUpForm) {
  signupOn = await get('/app/config').then((config) => config.signup === true, () => false);
  const methods = $('#sign-in-method', signInForm);
  methods.hidden = !signupOn;
  for (const radio of methods.querySelectorAll('input[name=method]')) radio.addEventListener('change', () => showMethod(signInForm));
  showMethod(signInForm);
  // A reset (after signing in) checks "API token" again: show its fields once the reset has happened.
  signInForm.addEventListener('reset', () => setTimeout(() => showMethod(signInForm)));
  signUpForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void signUp(signUpForm);
  });
}

export const signUpOffered = () => signupOn;

/**
 * The body for POST /app/session from the chosen method.
 * @param {HTMLFormElement} form
 */
export function signInBody(form) {
  if (method(form) === 'password') return { email: form.email.value, password: form.password.value };
  return { token: form.token.value };
}

/**
 * @param {HTMLFormElement} form
 * @param {unknown} failure
 */
export function signInFailure(form, failure) {
  if (!(failure instanceof ApiError)) return String(failure);
  if (failure.status !== 401) return failure.message;
  return method(form) === 'password' ? 'Wrong e-mail address or password, or the address is not confirmed yet.' : 'That token is unknown or revoked.';
}

/** @param {HTMLFormElement} form */
const method = (form) => (signupOn ? /** @type {HTMLInputElement} */ ($('input[name=method]:checked', form)).value : 'token');

/**
 * Only the chosen method's fields are shown, required and sent; the others are disabled.
 * @param {HTMLFormElement} form
 */
function showMethod(form) {
  const chosen = method(form);
  for (const group of form.querySelectorAll('[data-method]')) {
    if (!(group instanceof HTMLElement)) continue;
    const active = group.dataset.method === chosen;
    group.hidden = !active;
    for (const input of group.querySelectorAll('input')) input.disabled = !active;
  }
}

/** @param {HTMLFormElement} form */
async function signUp(form) {
  const status = $('.status', form);
  const error = $('.error', form);
  status.textContent = '';
  error.textContent = '';
  try {
    const answer = await post('/app/signup', { email: form.email.value, name: /** @type {HTMLInputElement} */ (form.elements.namedItem('name')).value, password: form.password.value });
    form.reset();
    status.textContent = `${answer.message[0].toUpperCase()}${answer.message.slice(1)}. Then sign in with your e-mail address and password.`;
  } catch (failure) {
    error.textContent = failure instanceof ApiError ? failure.message : String(failure);
  }
}
