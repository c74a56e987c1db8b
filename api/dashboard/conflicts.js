// @ts-check
// Conflicts: where a platform disagrees with our calendar or media library, ours and the platform's side by side,
// resolved by keeping ours, accepting theirs, or (calendar entries) editing ours.
import { get, post } from './api.js';
import { day, dateTime, field, fill, h, ordinal, select } from './dom.js';

/**
 * One side of a conflict as GET /api/conflicts gives it: a calendar entry, a medium, or nothing.
 * @typedef {Record<string, any> | null} Side
 * @typedef {{ id: string, kind: string, platformName: string, message: string | null, createdAt: string, ours: Side, theirs: Side }} Conflict
 */

/** @type {Record<string, string>} */
const explanations = {
  platform_booking: 'A booking was made on the platform. Keep ours to reject it, accept it into your calendar, or edit it.',
  differs: 'The platform shows one of your entries differently (or lost it).',
  already_blocked: 'The platform already blocks these days on its own.',
};

/** @param {Side} side */
function describe(side) {
  if (!side || typeof side !== 'object') return h('p', { class: 'muted' }, 'nothing');
  if (side.originalName || side.fileName) return describeFile(side);
  const rank = side.status === 'tentative' && side.optionRank ? `${ordinal(side.optionRank)} option` : side.status;
  return h('dl', {},
    h('dt', {}, 'Days'), h('dd', {}, `${day(side.startDate)} – ${day(side.endDate)}`),
    h('dt', {}, 'Status'), h('dd', {}, `${rank ?? '?'} · ${side.type ?? '?'}`),
    side.optionHolder && [h('dt', {}, 'Held by'), h('dd', {}, side.optionHolder)],
    side.note && [h('dt', {}, 'Note'), h('dd', {}, side.note)],
    side.deleted && [h('dt', {}, 'Deleted'), h('dd', {}, 'yes')],
  );
}

/** One side of a media_drift conflict: our medium, or the file found on the platform. */
/** @param {Record<string, any>} side */
function describeFile(side) {
  return h('dl', {},
    h('dt', {}, 'File'), h('dd', {}, side.originalName ?? side.fileName),
    h('dt', {}, 'Type'), h('dd', {}, side.type ?? '?'),
  );
}

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function conflictsView(section, ctx) {
  const list = h('div', { class: 'cards wide' });
  section.append(list);

  async function refresh() {
    const answer = await get('/api/conflicts?status=open');
    fill(list, answer.items.length === 0 ? h('p', { class: 'muted' }, 'No open conflicts.') : answer.items.map(card));
  }

  /** @param {Conflict} conflict */
  function card(conflict) {
    // An imported platform booking has no "ours": the calendar had nothing on those days.
    const ours = conflict.ours;
    const media = conflict.kind === 'media_drift';
    const edit = media ? null : editForm(conflict, ours ?? conflict.theirs);
    const titleId = `c-${conflict.id}`;
    return h('article', { class: 'card conflict', 'data-conflict': conflict.id, 'aria-labelledby': titleId },
      h('h3', { id: titleId }, `${conflict.platformName}: ${conflict.kind.replace('_', ' ')}`),
      h('p', {}, conflict.message ?? explanations[conflict.kind] ?? ''),
      h('p', { class: 'muted' }, `Found ${dateTime(conflict.createdAt)}`),
      h('div', { class: 'sides' },
        h('section', { 'aria-label': 'Ours' }, h('h4', {}, 'Ours'), describe(ours)),
        h('section', { 'aria-label': conflict.platformName }, h('h4', {}, conflict.platformName), describe(conflict.theirs)),
      ),
      h('div', { class: 'actions' },
        // A file added on the platform can only be left there: castsync never deletes files it did not upload.
        !(media && !ours) && h('button', { type: 'button', onclick: () => resolve(conflict, { action: 'keep_ours' }) }, 'Keep ours'),
        h('button', { type: 'button', onclick: () => resolve(conflict, { action: 'accept_theirs' }) }, 'Accept theirs'),
        edit && h('button', { type: 'button', 'aria-expanded': 'false', onclick: (/** @type {MouseEvent} */ event) => {
          edit.hidden = !edit.hidden;
          /** @type {HTMLElement} */ (event.currentTarget).setAttribute('aria-expanded', String(!edit.hidden));
          if (!edit.hidden) edit.querySelector('input')?.focus();
        } }, 'Edit…'),
      ),
      edit,
    );
  }

  /**
   * @param {Conflict} conflict
   * @param {Side} base
   */
  function editForm(conflict, base) {
    const start = h('input', { type: 'date', name: 'startDate', required: true, value: base?.startDate ?? '' });
    const end = h('input', { type: 'date', name: 'endDate', required: true, value: base?.endDate ?? '' });
    const status = select('status', [['unavailable', 'Unavailable'], ['tentative', 'Option'], ['available', 'Available']], base?.status ?? 'unavailable');
    const type = select('type', [['block', 'Blocked'], ['booking', 'Booking'], ['travel', 'Travel']], base?.type ?? 'block');
    const form = h('form', { class: 'edit', hidden: true, 'aria-label': 'Edit our entry' },
      h('div', { class: 'row' }, field('From', start), field('To', end), field('Status', status), field('Type', type)),
      h('button', { type: 'submit' }, 'Save ours'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void resolve(conflict, { action: 'edit', range: { startDate: start.value, endDate: end.value, status: status.value, type: type.value } });
    });
    return form;
  }

  /**
   * @param {Conflict} conflict
   * @param {{ action: string, range?: object }} body
   */
  async function resolve(conflict, body) {
    try {
      await post(`/api/conflicts/${conflict.id}/resolve`, body);
      ctx.notify(`Conflict resolved (${body.action.replace('_', ' ')}); pushing the result.`);
      ctx.changed();
      await refresh();
    } catch (error) {
      ctx.fail(error);
    }
  }

  return { refresh };
}
