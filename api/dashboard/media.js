// @ts-check
// Media: the library in display order. Upload with a progress bar (the API decides the type by the file's content
// and says why it refuses one), thumbnails, the main photo, order, caption and credit, delete; per item whether
// each connected platform shows it, and "sync media now" per media platform. An item is rebuilt only when its
// version changes, so a poll never wipes a caption being typed.
import { del, get, patch, post, upload } from './api.js';
import { field, fill, h, select } from './dom.js';
import { platformStore, READ_MAX_AGE_MS } from './store.js';

/**
 * A medium as GET /api/media gives it, with what each platform holds of it.
 * @typedef {object} Medium
 * @property {string} id
 * @property {number} version
 * @property {string} type
 * @property {string} originalName
 * @property {string | null} caption
 * @property {string | null} photographerCredit
 * @property {number | null} [width]
 * @property {number | null} [height]
 * @property {number} bytes
 * @property {boolean} isMain
 * @property {number} sortOrder
 * @property {PlatformMedium[]} [platforms]
 *
 * @typedef {{ name: string, status: string, lastError: string | null }} PlatformMedium
 * @typedef {{ version: number, element: HTMLElement, states: HTMLElement, up: HTMLButtonElement, down: HTMLButtonElement }} Row
 */
/** @typedef {import('./types.js').Platform} Platform */

/** @type {[string, string][]} */
const TYPES = [
  ['', 'Decided by the file'],
  ['photo', 'Photo'],
  ['headshot', 'Headshot'],
  ['setcard', 'Setcard image'],
  ['video', 'Video (showreel)'],
  ['document', 'Document (CV as PDF)'],
];
/** @type {Record<string, string>} */
const TYPE_NAMES = Object.fromEntries(TYPES.slice(1));

/** @param {Medium} item */
const isImage = (item) => item.width !== null && item.width !== undefined;
/** @param {Medium} item */
const nameOf = (item) => item.caption || item.originalName;

/** @param {number} bytes */
function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * What one platform holds of an item, in words: "on Filmmakers", or why not.
 * @param {PlatformMedium} state
 */
function presence(state) {
  const why = state.lastError ? `: ${state.lastError}` : '';
  if (state.status === 'success') return `on ${state.name}`;
  if (state.status === 'skipped') return `not on ${state.name}${why || ' (it does not take this)'}`;
  if (state.status === 'failed' || state.status === 'partial') return `${state.name} failed${why}`;
  return `${state.name}: pending`;
}

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function mediaView(section, ctx) {
  /** @type {Medium[]} */
  let items = [];
  /** @type {Platform[]} */
  let mediaPlatforms = [];
  let syncKey = '';
  /** @type {Map<string, Row>} media id -> its row */
  const rows = new Map();
  const uploader = uploadForm();
  const syncBar = h('div', { class: 'actions', role: 'group', 'aria-label': 'Sync media now' });
  const empty = h('p', { class: 'muted' }, 'No media yet: upload a photo to begin.');
  const list = h('ol', { class: 'media-list', 'aria-label': 'Your media, in display order' });
  section.append(uploader, syncBar, h('h3', {}, 'Your media'), empty, list);

  async function refresh() {
    /** @type {[{ items: Medium[] }, import('./types.js').PlatformsStatus]} */
    const [answer, { platforms: catalog }] = await Promise.all([get('/api/media'), platformStore.recent(READ_MAX_AGE_MS)]);
    items = answer.items;
    mediaPlatforms = catalog.filter((p) => p.capabilities.media && p.connection?.connected && p.connection.syncMedia);
    renderSyncBar();
    renderItems();
  }

  function renderSyncBar() {
    const key = mediaPlatforms.map((p) => p.id).join();
    if (key === syncKey) return; // unchanged: keep the buttons (and the focus on one)
    syncKey = key;
    fill(syncBar, mediaPlatforms.map((p) => h('button', { type: 'button', 'data-sync': p.id, onclick: () => syncNow(p) }, `Sync media now: ${p.name}`)));
  }

  function renderItems() {
    empty.hidden = items.length > 0;
    for (const id of rows.keys()) if (!items.some((item) => item.id === id)) rows.delete(id);
    items.forEach((item, position) => {
      let row = rows.get(item.id);
      if (!row || row.version !== item.version) {
        const next = itemRow(item);
        row?.element.replaceWith(next.element);
        row = next;
        rows.set(item.id, row);
      }
      row.up.disabled = position === 0;
      row.down.disabled = position === items.length - 1;
      fill(row.states, (item.platforms ?? []).map((s) => h('li', { class: `state ${s.status}` }, presence(s))));
    });
    const wanted = items.flatMap((item) => rows.get(item.id)?.element ?? []);
    if (wanted.length !== list.children.length || wanted.some((element, i) => list.children[i] !== element)) list.replaceChildren(...wanted);
  }

  /**
   * @param {Medium} item
   * @returns {Row}
   */
  function itemRow(item) {
    const titleId = `m-${item.id}`;
    const states = h('ul', { class: 'states', 'aria-label': 'On each platform' });
    const describedBy = { 'aria-describedby': titleId }; // "Move up" alone does not say which item
    const up = h('button', { type: 'button', 'data-move': 'up', ...describedBy, onclick: () => move(item, -1) }, 'Move up');
    const down = h('button', { type: 'button', 'data-move': 'down', ...describedBy, onclick: () => move(item, 1) }, 'Move down');
    const element = h('li', { class: 'card media-item', 'data-media': item.id, 'aria-labelledby': titleId },
      thumbnail(item),
      h('div', { class: 'media-body' },
        h('header', {}, h('h4', { id: titleId }, nameOf(item)), item.isMain && h('span', { class: 'badge main' }, 'Main photo')),
        h('p', { class: 'muted' }, [TYPE_NAMES[item.type] ?? item.type, isImage(item) ? `${item.width}×${item.height}` : null, size(item.bytes), item.originalName].filter(Boolean).join(' · ')),
        states,
        textForm(item),
        h('div', { class: 'actions' },
          isImage(item) && !item.isMain && h('button', { type: 'button', ...describedBy, onclick: () => makeMain(item) }, 'Make main photo'),
          up,
          down,
          h('button', { type: 'button', class: 'danger', ...describedBy, onclick: () => remove(item) }, 'Delete'),
        ),
      ),
    );
    return { version: item.version, element, states, up, down };
  }

  /** Images show a small JPEG made from them (with the crop; sent with the session cookie); videos and PDFs a label. */
  /** @param {Medium} item */
  function thumbnail(item) {
    const placeholder = () => h('div', { class: 'thumb placeholder', 'aria-hidden': 'true' }, item.type === 'video' ? 'Video' : item.type === 'document' ? 'PDF' : 'Image');
    if (!isImage(item)) return placeholder();
    const image = h('img', { class: 'thumb', src: `/api/media/${item.id}/thumbnail?v=${item.version}`, alt: nameOf(item), loading: 'lazy', width: '160' });
    image.addEventListener('error', () => image.replaceWith(placeholder()), { once: true });
    return image;
  }

  /** @param {Medium} item */
  function textForm(item) {
    const caption = h('input', { name: 'caption', maxlength: '1000', value: item.caption ?? '' });
    const credit = h('input', { name: 'photographerCredit', maxlength: '200', value: item.photographerCredit ?? '' });
    const form = h('form', { class: 'row media-text', 'aria-label': `Caption and credit of ${item.originalName}` },
      field('Caption', caption),
      field('Photographer credit', credit),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Save text')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = { caption: caption.value.trim() || null, photographerCredit: credit.value.trim() || null, version: item.version };
      void act(() => patch(`/api/media/${item.id}`, body), 'Caption and credit saved.');
    });
    return form;
  }

  /** @param {Medium} item */
  function makeMain(item) {
    return act(() => patch(`/api/media/${item.id}`, { isMain: true }), `${nameOf(item)} is now the main photo.`);
  }

  /** Renumbers the library in its new order; only items whose position changed are sent. */
  /**
   * @param {Medium} item
   * @param {number} delta
   */
  async function move(item, delta) {
    const order = [...items];
    const from = order.findIndex((i) => i.id === item.id);
    const to = from + delta;
    if (to < 0 || to >= order.length) return;
    [order[from], order[to]] = [/** @type {Medium} */ (order[to]), /** @type {Medium} */ (order[from])];
    const changes = order.map((i, position) => ({ id: i.id, position, before: i.sortOrder })).filter((c) => c.position !== c.before);
    await act(() => Promise.all(changes.map((c) => patch(`/api/media/${c.id}`, { sortOrder: c.position }))), `${nameOf(item)} moved ${delta < 0 ? 'up' : 'down'}.`);
    // Keyboard users keep their place: the focus follows the item.
    const row = rows.get(item.id);
    const button = delta < 0 ? row?.up : row?.down;
    (button && !button.disabled ? button : delta < 0 ? row?.down : row?.up)?.focus();
  }

  /** @param {Medium} item */
  function remove(item) {
    if (!confirm(`Delete ${nameOf(item)}? It is also removed from your platforms.`)) return;
    return act(() => del(`/api/media/${item.id}`), `${nameOf(item)} is deleted.`);
  }

  /** @param {Platform} platform */
  function syncNow(platform) {
    return act(() => post(`/api/sync/media/${platform.id}`), `Syncing media to ${platform.name}…`);
  }

  /**
   * @param {() => Promise<unknown>} request
   * @param {string} done
   */
  async function act(request, done) {
    try {
      await request();
      ctx.notify(done);
      ctx.changed();
      await refresh();
    } catch (error) {
      ctx.fail(error);
      await refresh().catch(() => {}); // show what the server now has, e.g. after a 409
    }
  }

  function uploadForm() {
    const file = h('input', { type: 'file', name: 'file', required: true, accept: 'image/*,video/mp4,video/quicktime,video/webm,application/pdf' });
    const type = select('type', TYPES, '');
    const caption = h('input', { name: 'caption', maxlength: '1000' });
    const credit = h('input', { name: 'photographerCredit', maxlength: '200' });
    const progress = h('progress', { max: '100', value: '0', 'aria-label': 'Upload progress' });
    const percent = h('span', { class: 'progress-text' });
    const progressRow = h('div', { class: 'progress', hidden: true }, progress, percent);
    const error = h('p', { class: 'error', role: 'alert' });
    const button = h('button', { type: 'submit' }, 'Upload');
    const form = h('form', { class: 'card upload', 'aria-labelledby': 'upload-title' },
      h('h3', { id: 'upload-title' }, 'Upload'),
      h('div', { class: 'row' },
        field('File', file, 'A photo (JPEG, PNG, WebP, …), a showreel (MP4, MOV, WebM) or a CV as PDF.'),
        field('Type', type, 'Images can be a photo, headshot or setcard image.'),
      ),
      h('div', { class: 'row' }, field('Caption', caption), field('Photographer credit', credit)),
      h('div', { class: 'actions' }, button, progressRow),
      error,
    );

    /** @param {number} share */
    const show = (share) => {
      const value = Math.round(share * 100);
      progress.value = value;
      percent.textContent = `${value} %`;
    };

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const chosen = file.files?.[0];
      if (!chosen) return;
      const body = new FormData();
      if (type.value) body.append('type', type.value);
      if (caption.value.trim()) body.append('caption', caption.value.trim());
      if (credit.value.trim()) body.append('photographerCredit', credit.value.trim());
      body.append('file', chosen);
      error.textContent = '';
      button.disabled = true;
      progressRow.hidden = false;
      show(0);
      try {
        const created = await upload('/api/media', body, show);
        show(1);
        form.reset();
        ctx.notify(`${created.originalName} is uploaded.`);
        ctx.changed();
        await refresh();
      } catch (failure) {
        progressRow.hidden = true;
        error.textContent = `${chosen.name} was not taken: ${failure instanceof Error ? failure.message : String(failure)}`;
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  /** Live while any platform has yet to take an item. */
  const busy = () => items.some((item) => (item.platforms ?? []).some((s) => s.status === 'pending'));
  return { refresh, busy };
}
