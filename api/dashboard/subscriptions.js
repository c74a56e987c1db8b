// Calendar subscriptions: the user's own calendars (an ICS feed such as Google's secret address) whose events become
// blocked days on every platform. The address is sent once and never shown again: the API answers only its host.
// Removing one takes every entry it brought in off the platforms, so it asks first and says how many.
import { del, get, post } from './api.js';
import { dateTime, field, fill, h, select } from './dom.js';

const KINDS = [['block', 'Blocked days'], ['travel', 'Travel days'], ['booking', 'Bookings']];
const WHICH = [['all', 'Every event'], ['busy', 'Events that show me as busy'], ['word', 'Events with a word in the title']];
const STATES = { ok: 'ok', failing: 'failing', needs_reauth: 'needs a new address' };

function describeRule(rule) {
  const kind = (KINDS.find(([value]) => value === rule.kind) ?? [rule.kind, rule.kind])[1].toLowerCase();
  const which = rule.word ? `events with “${rule.word}” in the title` : rule.category ? `events in category “${rule.category}”` : rule.busyOnly ? 'busy events' : 'every event';
  return `${which} → ${kind}`;
}

export function subscriptionsView(section, ctx) {
  const list = h('div', { class: 'cards wide' });
  section.append(addForm(), h('h3', {}, 'Your subscriptions'), list);
  let waiting = false;

  async function refresh() {
    const { items } = await get('/api/calendars');
    // A source not read yet (just added or refreshed): keep looking until its first read is recorded.
    waiting = items.some((source) => !source.lastFetchedAt);
    fill(list, items.length === 0 ? h('p', { class: 'muted' }, 'No calendar subscriptions yet.') : items.map(card));
  }

  function card(source) {
    const titleId = `s-${source.id}`;
    const confirmBox = h('div', { class: 'confirm', hidden: true });
    return h('article', { class: 'card', 'data-calendar': source.id, 'aria-labelledby': titleId },
      h('header', {}, h('h3', { id: titleId }, source.name), h('span', { class: `badge ${source.status.replace('_', '-')}` }, STATES[source.status] ?? source.status)),
      h('p', {}, `From ${source.host} · ${source.entries === 1 ? '1 entry' : `${source.entries} entries`} in your calendar`),
      source.lastError && h('p', { class: 'error' }, source.lastError),
      h('p', { class: 'muted' }, source.lastFetchedAt ? `Last read ${dateTime(source.lastFetchedAt)}` : 'Not read yet'),
      h('ul', {}, source.rules.map((rule) => h('li', {}, describeRule(rule)))),
      h('p', { class: 'muted' }, source.shareDetails ? 'Titles and places are sent to the platforms.' : 'Only days and kinds are sent to the platforms; titles and places stay here.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => readNow(source) }, 'Read now'),
        h('button', { type: 'button', onclick: () => askToRemove(source, confirmBox) }, 'Remove…'),
      ),
      confirmBox,
    );
  }

  async function readNow(source) {
    try {
      await post(`/api/calendars/${source.id}/refresh`);
      ctx.notify(`Reading “${source.name}”…`);
      ctx.changed();
    } catch (error) {
      ctx.fail(error);
    }
  }

  function askToRemove(source, box) {
    const entries = source.entries === 1 ? 'the 1 entry' : `the ${source.entries} entries`;
    fill(box,
      h('p', { role: 'alert' }, `Removing “${source.name}” also removes ${entries} it brought into your calendar, from every platform.`),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'danger', onclick: () => remove(source) }, `Remove “${source.name}” and its entries`),
        h('button', { type: 'button', onclick: () => (box.hidden = true) }, 'Keep it'),
      ),
    );
    box.hidden = false;
  }

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

  function addForm() {
    const name = h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
    const url = h('input', { name: 'url', required: true, maxlength: 2048, inputmode: 'url', autocomplete: 'off', spellcheck: false });
    const which = select('which', WHICH, 'all');
    const word = h('input', { name: 'word', maxlength: 100 });
    const kind = select('kind', KINDS, 'block');
    const share = h('input', { type: 'checkbox', name: 'shareDetails' });
    const wordField = field('Word', word, 'e.g. “Dreh” matches “Dreh Tatort”, not “Nachtdreh”.');
    wordField.hidden = true;
    which.addEventListener('change', () => {
      wordField.hidden = which.value !== 'word';
      word.required = which.value === 'word';
    });
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'card', 'aria-label': 'Subscribe to a calendar' },
      h('h3', {}, 'Subscribe to a calendar'),
      field('Name', name),
      field('Address of the calendar (ICS)', url, 'Google Calendar: Settings → your calendar → “Secret address in iCal format”. It is stored sealed and never shown again.'),
      h('div', { class: 'row' }, field('Which events', which), wordField, field('Become', kind)),
      h('label', { class: 'inline' }, share, ' Send titles and places to the platforms'),
      h('button', { type: 'submit' }, 'Subscribe'),
      error,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      const rule = { kind: kind.value, ...(which.value === 'busy' ? { busyOnly: true } : {}), ...(which.value === 'word' ? { word: word.value } : {}) };
      try {
        const created = await post('/api/calendars', { kind: 'ics', name: name.value, url: url.value, rules: [rule], shareDetails: share.checked });
        form.reset();
        wordField.hidden = true;
        ctx.notify(`Subscribed to “${created.name}” at ${created.host}; reading it now.`);
        ctx.changed();
        await refresh();
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    return form;
  }

  return { refresh, busy: () => waiting };
}
