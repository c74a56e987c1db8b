// The dashboard shell: sign-in and sign-out, the hash router (#platforms, #calendar, …), notices, and the poll
// that keeps the open view live while a sync runs (views say whether they are waiting for one).
import { accountView } from './account.js';
import { ApiError, api, get, whenSignedOut } from './api.js';
import { fill, h } from './dom.js';
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

const views = { platforms: platformsView, calendar: calendarView, media: mediaView, profile: profileView, history: historyView, conflicts: conflictsView };
const titles = { platforms: 'Platforms', calendar: 'Calendar', media: 'Media', profile: 'Profile', history: 'Sync history', conflicts: 'Conflicts' };
views.account = accountView;
titles.account = 'Account';
views.access = accessView;
titles.access = 'Access';
views.subscriptions = subscriptionsView;
titles.subscriptions = 'Calendar subscriptions';
const POLL_MS = 2000;
/** How often the page asks whether changes wait for the sync service (the gateway says so after 5 s). */
const OUTBOX_POLL_MS = 3000;
/** After a change the page keeps polling this long even before the workflow reports it is running. */
const SETTLE_MS = 15000;

const $ = (selector) => document.querySelector(selector);
const main = $('#view');
const signInForm = $('#sign-in');
const signUpForm = $('#sign-up');
const passwordHelp = $('#password-help');
let current = null;
let pollUntil = 0;
let pollTimer = null;
let outboxTimer = null;

/** Shows a message in the polite live region (screen readers announce it). */
export function notify(message, kind = 'info') {
  const notice = $('#notice');
  notice.className = kind;
  notice.textContent = message;
}

/** The shared context a view gets: notices, and a way to say "something changed, watch for the sync". */
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
  clearTimeout(outboxTimer);
  $('#outbox-waiting').hidden = true;
  current = null;
  $('nav').hidden = true;
  $('.who').hidden = true;
  fill(main, signInForm, signUpForm, passwordHelp);
  signInForm.hidden = false;
  signUpForm.hidden = !signUpOffered();
  passwordHelp.hidden = !signUpOffered();
  signInForm.querySelector('input:not([disabled]):not([type=radio])').focus();
}

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

/** Says so while saved changes wait for the sync service (Temporal away): nothing is lost, it is only late. */
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
  if (!$('nav').hidden) outboxTimer = setTimeout(watchOutbox, OUTBOX_POLL_MS);
}

async function route() {
  const name = views[location.hash.slice(1)] ? location.hash.slice(1) : 'platforms';
  for (const link of document.querySelectorAll('nav a')) link.toggleAttribute('aria-current', link.hash === `#${name}`);
  document.title = `${titles[name]} · castsync`;
  clearTimeout(pollTimer);
  const section = h('section', { 'aria-labelledby': 'view-title' }, h('h2', { id: 'view-title' }, titles[name]));
  fill(main, section);
  current = views[name](section, context);
  try {
    await current.refresh();
  } catch (error) {
    context.fail(error);
  }
  schedulePoll();
}

/** Refreshes the open view every few seconds while it waits for a sync, or shortly after a change. */
function schedulePoll() {
  clearTimeout(pollTimer);
  const view = current;
  if (!view) return;
  if (!(Date.now() < pollUntil || view.busy?.())) return;
  pollTimer = setTimeout(async () => {
    if (view !== current) return;
    await view.refresh().catch(context.fail);
    schedulePoll();
  }, POLL_MS);
}

signInForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = signInForm.querySelector('.error');
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
