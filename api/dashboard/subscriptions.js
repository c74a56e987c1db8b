// @ts-check
// Calendar subscriptions: the user's own calendars (an ICS feed such as Google's secret address, or a CalDAV calendar
// with a username and an app password) whose events become blocked days on every platform. The address and the
// login are sent once and never shown again: the API answers only the host. The CalDAV fields are in the form only
// while that kind is picked, so the ICS form stays as it was. The rules are a list (./subscription-rules.js).
// Removing one takes every entry it brought in off the platforms, so it asks first and says how many.
import { del, get, patch, post } from './api.js';
import { dateTime, field, fill, h, select } from './dom.js';
import { describeRule, formRule, formShows, rulesEditor } from './subscription-rules.js';

/**
 * A calendar source as GET /api/calendars gives it (never its address or login, only its host).
 * @typedef {{ kind: string, busyOnly?: boolean, category?: string, word?: string }} Rule
 * @typedef {{ id: string, kind: string, name: string, host: string, status: string, lastError: string | null, lastFetchedAt: string | null,
 *   entries: number, rules: Rule[], shareDetails: boolean, destination: boolean }} Source
 * @typedef {{ kind?: string, name: string, url?: string, serverUrl?: string, calendarUrl?: string, username?: string, password?: string,
 *   rules?: Rule[], shareDetails: boolean }} SourceFields
 */

/** @type {Record<string, string>} */
const STATES = { ok: 'ok', failing: 'failing', needs_reauth: 'needs a new address' };
/** @type {[string, string][]} */
const SOURCE_KINDS = [['ics', 'ICS address (Google Calendar, an agency tool)'], ['caldav', 'CalDAV (Nextcloud, iCloud, Fastmail, Radicale…)']];

/** @param {Source} source */
const stateOf = (source) => (source.status === 'needs_reauth' && source.kind === 'caldav' ? 'needs a new app password' : STATES[source.status] ?? source.status);

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function subscriptionsView(section, ctx) {
  const list = h('div', { class: 'cards wide' });
  section.append(addForm(), h('h3', {}, 'Your subscriptions'), list);
  let waiting = false;

  async function refresh() {
    const { items } = /** @type {{ items: Source[] }} */ (await get('/api/calendars'));
    // A form being filled in stays as it is: the next refresh after it closes shows the news.
    if (list.querySelector('form:not([hidden])')) return;
    // A source not read yet (just added or refreshed): keep looking until its first read is recorded.
    waiting = items.some((source) => !source.lastFetchedAt);
    fill(list, items.length === 0 ? h('p', { class: 'muted' }, 'No calendar subscriptions yet.') : items.map(card));
  }

  /** @param {Source} source */
  function card(source) {
    const titleId = `s-${source.id}`;
    const confirmBox = h('div', { class: 'confirm', hidden: true });
    const edit = editForm(source);
    return h('article', { class: 'card', 'data-calendar': source.id, 'aria-labelledby': titleId },
      h('header', {}, h('h3', { id: titleId }, source.name), h('span', { class: `badge ${source.status.replace('_', '-')}` }, stateOf(source))),
      h('p', {}, `From ${source.host} · ${source.entries === 1 ? '1 entry' : `${source.entries} entries`} in your calendar`),
      source.lastError && h('p', { class: 'error' }, source.lastError),
      h('p', { class: 'muted' }, source.lastFetchedAt ? `Last read ${dateTime(source.lastFetchedAt)}` : 'Not read yet'),
      h('ul', {}, source.rules.map((rule) => h('li', {}, describeRule(rule)))),
      h('p', { class: 'muted' }, source.shareDetails ? 'Titles and places are sent to the platforms.' : 'Only days and kinds are sent to the platforms; titles and places stay here.'),
      source.kind === 'caldav' && h('p', { class: 'muted' }, source.destination
        ? 'castsync writes your bookings, options and blocked days into this calendar.'
        : 'castsync only reads this calendar.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => readNow(source) }, 'Read now'),
        source.kind === 'caldav' && h('button', { type: 'button', onclick: () => setDestination(source, !source.destination) },
          source.destination ? 'Stop writing here' : 'Write castsync’s entries here'),
        h('button', { type: 'button', 'aria-expanded': 'false', onclick: (/** @type {MouseEvent} */ event) => {
          edit.hidden = !edit.hidden;
          /** @type {HTMLElement} */ (event.currentTarget).setAttribute('aria-expanded', String(!edit.hidden));
          if (!edit.hidden) edit.querySelector('input')?.focus();
        } }, 'Change…'),
        h('button', { type: 'button', onclick: () => askToRemove(source, confirmBox) }, 'Remove…'),
      ),
      edit,
      confirmBox,
    );
  }

  /** @param {Source} source */
  async function readNow(source) {
    try {
      await post(`/api/calendars/${source.id}/refresh`);
      ctx.notify(`Reading “${source.name}”…`);
      ctx.changed();
    } catch (error) {
      ctx.fail(error);
    }
  }

  /**
   * One calendar takes castsync's entries; picking another moves them there, stopping removes them from this one.
   * @param {Source} source
   * @param {boolean} destination
   */
  async function setDestination(source, destination) {
    try {
      await patch(`/api/calendars/${source.id}`, { destination });
      ctx.notify(destination ? `castsync writes your entries into “${source.name}”.` : `castsync removes its entries from “${source.name}”.`);
      ctx.changed();
      await refresh();
    } catch (error) {
      ctx.fail(error);
    }
  }

  /**
   * @param {Source} source
   * @param {HTMLElement} box
   */
  function askToRemove(source, box) {
    const entries = source.entries === 1 ? 'the 1 entry' : `the ${source.entries} entries`;
    fill(box,
      h('p', { role: 'alert' }, `Removing “${source.name}” also removes ${entries} it brought into your calendar, from every platform.`),
      source.destination && h('p', {}, 'The events castsync wrote into it stay there: choose “Stop writing here” first to have them removed.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'danger', onclick: () => remove(source) }, `Remove “${source.name}” and its entries`),
        h('button', { type: 'button', onclick: () => (box.hidden = true) }, 'Keep it'),
      ),
    );
    box.hidden = false;
  }

  /** @param {Source} source */
  async function remove(source) {
    try {
      await del(`/api/calendars/${source.id}?confirm=true`);
      ctx.notify(`“${source.name}” and its entries are removed.`);
      ctx.changed();
      await refresh();
    } catch (error) {
      ctx.fail(error);
    }
  }

  /**
   * The fields of a source: name, address (or CalDAV login), its rules in order, shareDetails. With `source`, an
   * edit: the address or app password may stay blank (kept), and a source whose rules this form cannot show (one
   * that names several conditions at once: set through the API) keeps them.
   * @param {{ label: string, submit: string, source?: Source, onSubmit: (fields: SourceFields) => Promise<void> }} options
   */
  function sourceForm({ label, submit, source, onSubmit }) {
    const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off', value: source?.name ?? '' });
    const url = h('input', { name: 'url', required: !source, maxlength: 2048, inputmode: 'url', autocomplete: 'off', spellcheck: false });
    const sourceKind = source ? null : select('sourceKind', SOURCE_KINDS, 'ics');
    const currentKind = () => source?.kind ?? sourceKind?.value ?? 'ics';
    const serverUrl = h('input', { name: 'serverUrl', maxlength: 2048, inputmode: 'url', autocomplete: 'off', spellcheck: false });
    const username = h('input', { name: 'username', maxlength: 256, autocomplete: 'off', spellcheck: false });
    const password = h('input', { type: 'password', name: 'password', maxlength: 512, autocomplete: 'new-password' });
    const calendarUrl = h('input', { name: 'calendarUrl', maxlength: 2048, inputmode: 'url', autocomplete: 'off', spellcheck: false });
    const icsAccess = [
      field(source ? 'New address (leave empty to keep it)' : 'Address of the calendar (ICS)', url, 'Google Calendar: Settings → your calendar → “Secret address in iCal format”. It is stored sealed and never shown again.'),
    ];
    const caldavAccess = source
      ? [field('New app password (leave empty to keep it)', password, 'After the server refused the old one: make a new one and give it here.')]
      : [
        field('CalDAV server', serverUrl, 'The address your calendar app uses, e.g. https://cloud.example.com/remote.php/dav.'),
        field('Account (user)', username),
        field('App password', password, 'Make one in your account’s security settings. It is tried once now, stored sealed and never shown again.'),
        field('Calendar address (only if the account has several)', calendarUrl, 'Left empty with several calendars, the answer lists them.'),
      ];
    const access = h('div', {});
    const showAccess = () => {
      const caldav = currentKind() === 'caldav';
      url.required = !source && !caldav;
      serverUrl.required = username.required = password.required = !source && caldav;
      fill(access, ...(caldav ? caldavAccess : icsAccess));
    };
    sourceKind?.addEventListener('change', showAccess);
    showAccess();
    const share = h('input', { type: 'checkbox', name: 'shareDetails', checked: source?.shareDetails ?? false });
    const editsRules = !source || formShows(source.rules);
    const rules = rulesEditor(source?.rules ?? []);
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'card', 'aria-label': label },
      h('h3', {}, label),
      field('Name', name),
      sourceKind && field('Kind of calendar', sourceKind),
      access,
      editsRules ? rules.element : h('p', { class: 'muted' }, 'Its rules were set through the API and stay as they are.'),
      h('label', { class: 'inline' }, share, ' Send titles and places to the platforms'),
      h('button', { type: 'submit' }, submit),
      error,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      const wanted = rules.rules();
      const changedRules = editsRules && JSON.stringify(wanted) !== JSON.stringify(source?.rules.map(formRule));
      /** @type {[string, HTMLInputElement][]} */
      const given = currentKind() === 'caldav' ? [['serverUrl', serverUrl], ['username', username], ['password', password], ['calendarUrl', calendarUrl]] : [['url', url]];
      const accessFields = Object.fromEntries(given.filter(([, input]) => input.value).map(([key, input]) => [key, input.value]));
      try {
        await onSubmit({ ...(source ? {} : { kind: currentKind() }), name: name.value, ...accessFields, ...(changedRules ? { rules: wanted } : {}), shareDetails: share.checked });
        form.reset();
        rules.reset(source?.rules ?? []);
        showAccess();
      } catch (failure) {
        error.textContent = failure instanceof Error ? failure.message : String(failure);
      }
    });
    return form;
  }

  function addForm() {
    return sourceForm({
      label: 'Subscribe to a calendar',
      submit: 'Subscribe',
      onSubmit: async (fields) => {
        const created = /** @type {Source} */ (await post('/api/calendars', fields));
        ctx.notify(`Subscribed to “${created.name}” at ${created.host}; reading it now.`);
        ctx.changed();
        await refresh();
      },
    });
  }

  /** @param {Source} source */
  function editForm(source) {
    const form = sourceForm({
      label: `Change “${source.name}”`,
      submit: 'Save',
      source,
      onSubmit: async (fields) => {
        const saved = /** @type {Source} */ (await patch(`/api/calendars/${source.id}`, fields));
        form.hidden = true;
        ctx.notify(`“${saved.name}” is saved.`);
        ctx.changed();
        await refresh();
      },
    });
    form.hidden = true;
    return form;
  }

  return { refresh, busy: () => waiting };
}
