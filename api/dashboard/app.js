// @ts-check
// The dashboard shell: sign-in and sign-out, the hash router (#platforms, #calendar, …), notices, and the poll
// that keeps the open view live while a sync runs (views say whether they are waiting for one).
import { accountView } from './account.js';
import { ApiError, api, get, whenSignedOut } from './api.js';
import { $, fill, h } from './dom.js';
import { calendarView } from './calendar.js';
import { conflictsView } from './conflicts.js';
import { historyView } from './history.js';
import { mediaView } from './media.js';
import { platformsView } from './platforms.js';
import { profileView } from './profile.js';
import { accessView } from './access.js';
import { subscriptionsView } from './subscriptions.js';
import { setUpSignIn, signInBody, signInFailure, signUpOffered } from './sign-in.js';
import { setUpPasswordHelp } from './password-help.js';

/** @typedef {import('./types.js').View} View */
/** @typedef {(section: HTMLElement, ctx: import('./types.js').ViewContext) => View} ViewFactory */

/** @type {Record<string, { view: ViewFactory, title: string }>} */
const views = {
  platforms: { view: platformsView, title: 'Platforms' },
  calendar: { view: calendarView, title: 'Calendar' },
  media: { view: mediaView, title: 'Media' },
  profile: { view: profileView, title: 'Profile' },
  history: { view: historyView, title: 'Sync history' },
  conflicts: { view: conflictsView, title: 'Conflicts' },
  account: { view: accountView, title: 'Account' },
  access: { view: accessView, title: 'Access' },
  subscriptions: { view: subscriptionsView, title: 'Calendar subscriptions' },
};
const POLL_MS = 2000;
/** How often the page asks whether changes wait for the sync service (the gateway says so after 5 s). */
const OUTBOX_POLL_MS = 3000;
/** After a change the page keeps polling this long even before the workflow reports it is running. */
const SETTLE_MS = 15000;

const main = $('#view');
/** @type {HTMLFormElement} */
const signInForm = $('#sign-in');
/** @type {HTMLFormElement} */
const signUpForm = $('#sign-up');
const passwordHelp = $('#password-help');
/** @type {View | null} */
let current = null;
let pollUntil = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let pollTimer;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let outboxTimer;

/**
 * Shows a message in the polite live region (screen readers announce it).
 * @param {string} message
 */
export function notify(message, kind = 'info') {
  const notice = $('#notice');
  notice.className = kind;
  notice.textContent = message;
}

/**
 * The shared context a view gets: notices, and a way to say "something changed, watch for the sync".
 * @type {import('./types.js').ViewContext}
 */
const context = {
  notify,
  changed() {
    pollUntil = Date.now() + SETTLE_MS;
    schedulePoll();
  },
  fail(error) {
    notify(error instanceof ApiError ? error.message : String(error), 'error');
  },
};

function showSignIn() {
  clearTimeout(pollTimer);
  current?.close?.();
  clearTimeout(outboxTimer);
  $('#outbox-waiting').hidden = true;
  current = null;
  $('nav').hidden = true;
  $('.who').hidden = true;
  fill(main, signInForm, signUpForm, passwordHelp);
  signInForm.hidden = false;
  signUpForm.hidden = !signUpOffered();
  passwordHelp.hidden = !signUpOffered();
  $('input:not([disabled]):not([type=radio])', signInForm).focus();
}

/** @param {{ name: string }} user */
async function showSignedIn(user) {
  $('nav').hidden = false;
  $('.who').hidden = false;
  $('#who').textContent = user.name;
  signInForm.hidden = true;
  signUpForm.hidden = true;
  passwordHelp.hidden = true;
  void watchOutbox();
  await route();
}

/** Says so while saved changes wait for the sync service (Temporal away): nothing is lost, it is only late. Polled while the page is visible. */
async function watchOutbox() {
  clearTimeout(outboxTimer);
  const banner = $('#outbox-waiting');
  try {
    const outbox = await get('/api/sync/outbox');
    banner.hidden = !outbox.waitingForSyncService;
    if (outbox.waitingForSyncService) {
      const since = new Date(outbox.oldestWaitingSince).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      const changes = outbox.waiting === 1 ? '1 change' : `${outbox.waiting} changes`;
      banner.textContent = `Waiting for the sync service: ${changes} saved since ${since} will go to your platforms as soon as it is back.`;
    }
  } catch {
    // Signed out, or the gateway itself is away: the views say so.
  }
  if (!$('nav').hidden && document.visibilityState === 'visible') outboxTimer = setTimeout(watchOutbox, OUTBOX_POLL_MS);
}

// A hidden tab asks nothing about the outbox either; it asks at once when it is shown again.
document.addEventListener('visibilitychange', () => {
  if ($('nav').hidden) return;
  if (document.visibilityState === 'visible') void watchOutbox();
  else clearTimeout(outboxTimer);
});

async function route() {
  const name = views[location.hash.slice(1)] ? location.hash.slice(1) : 'platforms';
  const { view, title } = /** @type {{ view: ViewFactory, title: string }} */ (views[name]);
  for (const link of document.querySelectorAll('nav a')) link.toggleAttribute('aria-current', /** @type {HTMLAnchorElement} */ (link).hash === `#${name}`);
  document.title = `${title} · castsync`;
  clearTimeout(pollTimer);
  current?.close?.();
  const section = h('section', { 'aria-labelledby': 'view-title' }, h('h2', { id: 'view-title' }, title));
  fill(main, section);
  const opened = view(section, context);
  current = opened;
  try {
    await opened.refresh();
  } catch (error) {
    context.fail(error);
  }
  schedulePoll();
}

/** Refreshes the open view every few seconds while it waits for a sync, or shortly after a change. */
function schedulePoll() {
  clearTimeout(pollTimer);
  const view = current;
  if (!view || view.live) return; // a view fed by the shared store is kept live by it
  if (!(Date.now() < pollUntil || view.busy?.())) return;
  pollTimer = setTimeout(async () => {
    if (view !== current) return;
    await view.refresh().catch(context.fail);
    schedulePoll();
  }, POLL_MS);
}

signInForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = $('.error', signInForm);
  error.textContent = '';
  try {
    const user = await api('POST', '/app/session', signInBody(signInForm));
    signInForm.reset();
    notify(`Signed in as ${user.name}.`);
    await showSignedIn(user);
  } catch (failure) {
    error.textContent = signInFailure(signInForm, failure);
  }
});

$('#sign-out').addEventListener('click', async () => {
  await api('DELETE', '/app/session').catch(() => {});
  notify('Signed out.');
  showSignIn();
});

whenSignedOut(() => {
  notify('Your session has ended; sign in again.', 'error');
  showSignIn();
});

window.addEventListener('hashchange', () => {
  if (!current) return;
  notify(''); // a message belongs to the view it was said in
  void route().then(() => main.focus());
});

/** The OAuth callback sends the browser back here with the outcome in the query. */
function oauthOutcome() {
  const query = new URLSearchParams(location.search);
  if (query.has('connected')) notify(`${query.get('connected')} is connected.`);
  if (query.has('connectError')) notify(`Connecting failed: ${query.get('connectError')}`, 'error');
  if (query.has('verified')) notify('Your e-mail address is confirmed: sign in with it and your password.');
  if (query.has('verifyError')) notify(`Confirming the address failed: ${query.get('verifyError')}`, 'error');
  if (query.size) history.replaceState(null, '', `/app/${location.hash}`);
}

oauthOutcome();
setUpPasswordHelp(passwordHelp, notify);
setUpSignIn(signInForm, signUpForm).finally(() => get('/app/session').then(showSignedIn, showSignIn));
