// @ts-check
// Calendar: a month of availability. Pick the first and last day in the grid (or type them), fill in the form,
// and the range is created; choose an entry to edit or delete it. Each entry shows, per connected platform,
// whether that platform confirmed its current version, is still pending, or failed.
import { del, get, patch, post } from './api.js';
import { day, field, fill, h, ordinal, select } from './dom.js';
import { platformStore, READ_MAX_AGE_MS } from './store.js';

/**
 * An availability entry as GET /api/availability gives it, with each platform's state of it.
 * @typedef {object} Entry
 * @property {string} id
 * @property {number} version
 * @property {string} startDate
 * @property {string} endDate
 * @property {string} status
 * @property {string} type
 * @property {number | null} optionRank
 * @property {string | null} optionHolder
 * @property {string | null} note
 * @property {string} source
 * @property {{ platformId: string, state: string, error?: string | null }[]} platforms
 */
/** @typedef {import('./types.js').Platform} Platform */

/** @param {Date} date */

const iso = (date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
/** @type {[string, string][]} */
const statuses = [['unavailable', 'Unavailable'], ['tentative', 'Option (pencil)'], ['available', 'Available']];
/** @type {[string, string][]} */
const types = [['block', 'Blocked'], ['booking', 'Booking'], ['travel', 'Travel']];

/**
 * What kind of entry it is, for its colour and its words.
 * @param {Entry} entry
 */
function kindOf(entry) {
  if (entry.type === 'travel') return 'travel';
  if (entry.status === 'tentative') return 'option';
  if (entry.type === 'booking' && entry.status === 'unavailable') return 'booking';
  if (entry.status === 'available') return 'available';
  return 'blocked';
}

/** @param {Entry} entry */
function label(entry) {
  const kind = kindOf(entry);
  if (kind === 'option') return `${ordinal(entry.optionRank ?? 1)} option${entry.optionHolder ? ` · ${entry.optionHolder}` : ''}`;
  return { travel: 'Travel', booking: 'Booking', available: 'Available', blocked: 'Blocked' }[kind] + (entry.optionHolder ? ` · ${entry.optionHolder}` : '');
}

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function calendarView(section, ctx) {
  const today = new Date();
  let month = new Date(today.getFullYear(), today.getMonth(), 1);
  /** @type {Entry[]} */
  let entries = [];
  /** @type {Platform[]} */
  let platforms = [];
  /** @type {Record<string, string>} */
  let names = {};
  /** @type {{ start: string, end: string | null } | null} ISO days */
  let selection = null;
  /** @type {Entry | null} the entry being edited */
  let editing = null;

  const heading = h('h3', { id: 'month', 'aria-live': 'polite' });
  const grid = h('div', { class: 'month', role: 'grid', 'aria-labelledby': 'month' });
  const list = h('div', { class: 'entries' });
  const form = entryForm();
  /** @param {number} delta */
  const nav = (delta) => () => {
    month = new Date(month.getFullYear(), month.getMonth() + delta, 1);
    void refresh().catch(ctx.fail);
  };
  section.append(
    h('div', { class: 'toolbar' }, h('button', { type: 'button', onclick: nav(-1), 'aria-label': 'Previous month' }, '‹'), heading, h('button', { type: 'button', onclick: nav(1), 'aria-label': 'Next month' }, '›')),
    h('p', { class: 'muted' }, 'Choose the first and the last day, then fill in the form below.'),
    grid,
    form.element,
    h('h3', {}, 'Entries this month'),
    list,
  );

  async function refresh() {
    const first = iso(month);
    const last = iso(new Date(month.getFullYear(), month.getMonth() + 1, 0));
    /** @type {[{ items: Entry[] }, import('./types.js').PlatformsStatus]} */
    const [answer, { platforms: catalog }] = await Promise.all([get(`/api/availability?from=${first}&to=${last}&limit=500`), platformStore.recent(READ_MAX_AGE_MS)]);
    entries = answer.items;
    names = Object.fromEntries(catalog.map((p) => [p.id, p.name]));
    platforms = catalog.filter((p) => p.connection?.connected && p.connection.syncAvailability && p.capabilities.pushAvailability);
    heading.textContent = month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
    renderGrid();
    renderList();
  }

  /** Per connected platform: confirmed, pending or failed (a platform without a row yet has not confirmed). */
  /** @param {Entry} entry */
  const platformStates = (entry) =>
    platforms.filter((p) => entry.source !== p.id).map((p) => ({ name: p.name, ...(entry.platforms.find((s) => s.platformId === p.id) ?? { state: 'pending', error: null }) }));

  function renderGrid() {
    const weekdays = [...Array(7)].map((_, i) => new Date(2024, 0, 1 + i).toLocaleDateString(undefined, { weekday: 'short' }));
    const offset = (month.getDay() + 6) % 7; // weeks start on Monday
    const days = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
    /** @type {HTMLElement[]} */
    const cells = [];
    for (let i = 0; i < offset; i++) cells.push(h('div', { class: 'day blank', role: 'gridcell' }));
    for (let d = 1; d <= days; d++) {
      const date = iso(new Date(month.getFullYear(), month.getMonth(), d));
      const onDay = entries.filter((e) => e.startDate <= date && e.endDate >= date);
      const selected = selection && selection.start <= date && (selection.end ?? selection.start) >= date;
      cells.push(
        h('div', { role: 'gridcell', class: `day${selected ? ' selected' : ''}${date === iso(today) ? ' today' : ''}` },
          h('button', { type: 'button', 'data-day': date, 'aria-pressed': String(Boolean(selected)), 'aria-label': `${day(date)}${onDay.length ? `: ${onDay.map(label).join(', ')}` : ''}`, onclick: () => pick(date), onkeydown: arrows }, String(d)),
          onDay.map((e) => h('span', { class: `chip ${kindOf(e)}`, 'aria-hidden': 'true' }, label(e))),
        ),
      );
    }
    while (cells.length % 7) cells.push(h('div', { class: 'day blank', role: 'gridcell' }));
    const rows = [h('div', { role: 'row', class: 'week head' }, weekdays.map((w) => h('div', { role: 'columnheader' }, w)))];
    for (let i = 0; i < cells.length; i += 7) rows.push(h('div', { role: 'row', class: 'week' }, cells.slice(i, i + 7)));
    fill(grid, rows);
  }

  /**
   * Arrow keys move between days, as in any date grid.
   * @param {KeyboardEvent} event
   */
  function arrows(event) {
    /** @type {Record<string, number>} */
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    const buttons = [.../** @type {NodeListOf<HTMLButtonElement>} */ (grid.querySelectorAll('button[data-day]'))];
    buttons[Math.min(buttons.length - 1, Math.max(0, buttons.indexOf(/** @type {HTMLButtonElement} */ (event.target)) + step))]?.focus();
  }

  /** @param {string} date */
  function pick(date) {
    if (!selection || selection.end) selection = { start: date, end: null };
    else selection = date < selection.start ? { start: date, end: selection.start } : { start: selection.start, end: date };
    form.setDays(selection.start, selection.end ?? selection.start);
    renderGrid();
    /** @type {HTMLButtonElement | null} */ (grid.querySelector(`button[data-day="${date}"]`))?.focus();
  }

  function renderList() {
    fill(list, entries.length === 0 ? h('p', { class: 'muted' }, 'Nothing this month.') : h('ul', {}, entries.map((entry) =>
      h('li', { class: `entry ${kindOf(entry)}`, 'data-entry': entry.id },
        h('div', {}, h('strong', {}, label(entry)), ` ${day(entry.startDate)} – ${day(entry.endDate)}`, entry.note ? ` · ${entry.note}` : '', entry.source !== 'castsync' ? ` · made on ${names[entry.source] ?? entry.source}` : ''),
        h('ul', { class: 'states', 'aria-label': 'On each platform' }, platformStates(entry).map((s) => h('li', { class: `state ${s.state}`, title: s.error ?? '' }, `${s.name}: ${s.state}`))),
        h('button', { type: 'button', onclick: () => form.edit(entry) }, 'Edit'),
      ),
    )));
  }

  function entryForm() {
    const start = h('input', { type: 'date', name: 'startDate', required: true });
    const end = h('input', { type: 'date', name: 'endDate', required: true });
    const status = select('status', statuses, 'unavailable');
    const type = select('type', types, 'block');
    const rank = h('input', { type: 'number', name: 'optionRank', min: '1', max: '20', inputmode: 'numeric' });
    const holder = h('input', { name: 'optionHolder', maxlength: '200' });
    const note = h('input', { name: 'note', maxlength: '1000' });
    const optionFields = h('div', { class: 'row' }, field('Option rank', rank, 'Empty: the next free rank'), field('Held by (production)', holder));
    const title = h('h3', {}, 'New entry');
    const save = h('button', { type: 'submit' }, 'Create');
    const remove = h('button', { type: 'button', class: 'danger', hidden: true, onclick: () => removeEntry() }, 'Delete');
    const cancel = h('button', { type: 'button', hidden: true, onclick: () => reset() }, 'Cancel');
    const element = h('form', { class: 'card entry-form', 'aria-labelledby': 'entry-form-title' },
      title,
      h('div', { class: 'row' }, field('From', start), field('To', end)),
      h('div', { class: 'row' }, field('Status', status), field('Type', type)),
      optionFields,
      field('Note', note),
      h('div', { class: 'actions' }, save, remove, cancel),
    );
    title.id = 'entry-form-title';
    const showOption = () => (optionFields.hidden = status.value !== 'tentative');
    status.addEventListener('change', showOption);
    showOption();

    function reset() {
      editing = null;
      selection = null;
      element.reset();
      showOption();
      title.textContent = 'New entry';
      save.textContent = 'Create';
      remove.hidden = cancel.hidden = true;
      renderGrid();
    }

    element.addEventListener('submit', async (event) => {
      event.preventDefault();
      const option = status.value === 'tentative';
      const body = {
        startDate: start.value,
        endDate: end.value,
        status: status.value,
        type: type.value,
        optionRank: option && rank.value ? Number(rank.value) : null,
        optionHolder: holder.value.trim() || null,
        note: note.value.trim() || null,
      };
      try {
        if (editing) await patch(`/api/availability/${editing.id}`, { ...body, version: editing.version });
        else await post('/api/availability', body);
        ctx.notify(editing ? 'Entry saved; pushing it to your platforms.' : 'Entry created; pushing it to your platforms.');
        reset();
        ctx.changed();
        await refresh();
      } catch (error) {
        ctx.fail(error);
      }
    });

    async function removeEntry() {
      if (!editing) return;
      try {
        await del(`/api/availability/${editing.id}`);
        ctx.notify('Entry deleted; removing it from your platforms.');
        reset();
        ctx.changed();
        await refresh();
      } catch (error) {
        ctx.fail(error);
      }
    }

    return {
      element,
      /**
       * @param {string} first
       * @param {string} last
       */
      setDays(first, last) {
        start.value = first;
        end.value = last;
      },
      /** @param {Entry} entry */
      edit(entry) {
        editing = entry;
        selection = { start: entry.startDate, end: entry.endDate };
        start.value = entry.startDate;
        end.value = entry.endDate;
        status.value = entry.status;
        type.value = entry.type;
        rank.value = entry.optionRank == null ? '' : String(entry.optionRank);
        holder.value = entry.optionHolder ?? '';
        note.value = entry.note ?? '';
        showOption();
        title.textContent = `Edit: ${label(entry)}`;
        save.textContent = 'Save';
        remove.hidden = cancel.hidden = false;
        renderGrid();
        start.focus();
      },
    };
  }

  /** Live while any entry waits for a platform. */
  const busy = () => entries.some((entry) => platformStates(entry).some((s) => s.state === 'pending'));
  return { refresh, busy };
}
