// @ts-check
// Sync history: every attempt, newest first, filterable by platform, status and operation, a page at a time;
// each row links its run in the Temporal Web UI and, for a failed browser step, the screenshot, and a failed
// push can be retried from here.
import { get, post } from './api.js';
import { dateTime, field, fill, h, select } from './dom.js';
import { platformStore, READ_MAX_AGE_MS } from './store.js';

/** @typedef {import('./types.js').SyncLogEntry & { durationMs: number | null }} Row */

const PAGE_SIZE = 20;
/** @param {number | null} ms */
const duration = (ms) => (ms == null ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
/** @type {string[]} */
const statuses = ['pending', 'success', 'failed', 'partial', 'skipped'];
/** @type {string[]} */
const operations = ['push_availability', 'pull_availability', 'upload_media', 'delete_media', 'sync_media', 'update_profile'];

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function historyView(section, ctx) {
  let page = 1;
  /** @type {Row[]} */
  let rows = [];
  /** @type {Record<string, string>} */
  let names = {};
  const platform = select('platformId', [['', 'All platforms']], '');
  const status = select('status', [['', 'Any status'], ...statuses.map((s) => /** @type {[string, string]} */ ([s, s]))], '');
  const operation = select('operation', [['', 'Any operation'], ...operations.map((o) => /** @type {[string, string]} */ ([o, o.replace('_', ' ')]))], '');
  const table = h('div', { class: 'table-wrap' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const filters = h('form', { class: 'row filters', 'aria-label': 'Filter' }, field('Platform', platform), field('Status', status), field('Operation', operation));
  filters.addEventListener('change', () => {
    page = 1;
    void refresh().catch(ctx.fail);
  });
  section.append(filters, table, pager);

  async function refresh() {
    if (Object.keys(names).length === 0) {
      const [catalog, calendars] = await Promise.all([
        platformStore.recent(READ_MAX_AGE_MS).then((state) => state.platforms),
        /** @type {Promise<{ items: { id: string, name: string, kind: string }[] }>} */ (get('/api/calendars')).then((answer) => answer.items),
      ]);
      // A destination calendar's writes are logged as "calendar:<id>".
      const targets = [...catalog.map((p) => ({ id: p.id, name: p.name })), ...calendars.filter((c) => c.kind === 'caldav').map((c) => ({ id: `calendar:${c.id}`, name: `Calendar “${c.name}”` }))];
      names = Object.fromEntries(targets.map((t) => [t.id, t.name]));
      platform.append(...targets.map((t) => h('option', { value: t.id }, t.name)));
    }
    const query = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
    for (const control of [platform, status, operation]) if (control.value) query.set(control.name, control.value);
    const answer = await get(`/api/sync/history?${query}`);
    rows = /** @type {Row[]} */ (answer.items);
    renderTable();
    renderPager(answer.total);
  }

  function renderTable() {
    if (rows.length === 0) return fill(table, h('p', { class: 'muted' }, 'No attempts match.'));
    fill(table, h('table', {},
      h('caption', { class: 'sr-only' }, 'Sync attempts, newest first'),
      h('thead', {}, h('tr', {}, ['Started', 'Platform', 'Operation', 'Status', 'Attempt', 'Items', 'Duration', 'Error', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((row) =>
        h('tr', { 'data-log': row.id, class: row.status },
          h('td', {}, dateTime(row.startedAt)),
          h('td', {}, names[row.platformId] ?? row.platformId),
          h('td', {}, row.operation.replace('_', ' ')),
          h('td', {}, h('span', { class: `badge ${row.status}` }, row.status)),
          h('td', {}, String(row.attempt)),
          h('td', {}, String(row.itemsProcessed)),
          h('td', {}, duration(row.durationMs)),
          h('td', { class: 'error-text' }, row.errorMessage ?? ''),
          h('td', {}, h('div', { class: 'links' },
            row.temporalUrl && h('a', { href: row.temporalUrl, target: '_blank', rel: 'noopener' }, 'Temporal run'),
            row.artifactUrl && h('a', { href: row.artifactUrl, target: '_blank' }, 'Screenshot'),
            retryable(row) && h('button', { type: 'button', onclick: () => retry(row) }, 'Retry'),
          )),
        ),
      )),
    ));
  }

  /** @param {number} total */
  function renderPager(total) {
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    /** @param {number} to */
    const go = (to) => () => {
      page = to;
      void refresh().catch(ctx.fail);
    };
    fill(pager,
      h('button', { type: 'button', disabled: page <= 1, onclick: go(page - 1) }, 'Newer'),
      h('span', {}, ` Page ${page} of ${pages} (${total} attempts) `),
      h('button', { type: 'button', disabled: page >= pages, onclick: go(page + 1) }, 'Older'),
    );
  }

  /** @param {Row} row */
  const retryable = (row) => (row.status === 'failed' || row.status === 'partial') && row.operation === 'push_availability';

  /** @param {Row} row */
  async function retry(row) {
    try {
      await post(`/api/sync/retry/${row.id}`);
      ctx.notify(`Retrying ${names[row.platformId] ?? row.platformId}…`);
      ctx.changed();
      await refresh();
    } catch (error) {
      ctx.fail(error);
    }
  }

  return { refresh, busy: () => rows.some((row) => row.status === 'pending') };
}
