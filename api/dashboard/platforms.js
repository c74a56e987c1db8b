// Platforms: the catalog with each connection's state, the connect form its kind needs (API key, e-mail and
// password, agency address, or the OAuth redirect), settings, disconnect and "sync now", and the webhook URL a
// platform with webhooks is given. Cards are rebuilt only when a connection appears or goes, so a poll never wipes
// what the user is typing.
import { get, patch, post, del } from './api.js';
import { dateTime, field, fill, h } from './dom.js';

const kindNames = { rest: 'REST API', oauth: 'OAuth', browser: 'Browser automation', email: 'E-mail to agency' };

export function platformsView(section, ctx) {
  const list = h('div', { class: 'cards' });
  section.append(h('p', {}, 'Every platform castsync can keep in step. Connect one and your calendar is pushed to it.'), list);
  const cards = new Map(); // id -> { shape, card, state, last }
  let busy = false;

  async function refresh() {
    const platforms = await get('/api/platforms');
    const statuses = await Promise.all(platforms.map((p) => (p.connection?.connected && p.capabilities.pushAvailability ? get(`/api/sync/status/${p.id}`).catch(() => null) : null)));
    busy = false;
    platforms.forEach((platform, i) => {
      const shape = `${platform.available}/${platform.connection?.connected}/${platform.connection?.status}/${platform.connection?.webhookUrl ?? ''}`;
      let entry = cards.get(platform.id);
      if (!entry || entry.shape !== shape) {
        const next = card(platform);
        if (entry) entry.card.replaceWith(next.card);
        else list.append(next.card);
        entry = { ...next, shape };
        cards.set(platform.id, entry);
      }
      const state = connectionState(platform, statuses[i]);
      busy ||= state.key === 'syncing';
      entry.state.className = `badge ${state.key}`;
      entry.state.textContent = state.label;
      entry.card.dataset.state = state.key;
      fill(entry.last, platform.connection?.connected ? `Last successful sync: ${dateTime(platform.connection.lastSyncedAt)}` : '');
      fill(entry.message, state.message ?? '');
    });
  }

  function card(platform) {
    const state = h('span', { class: 'badge' });
    const last = h('p', { class: 'muted' });
    const message = h('p', { class: 'error' });
    const connection = platform.connection;
    const body = h('article', { class: 'card platform', 'data-platform': platform.id, 'aria-labelledby': `p-${platform.id}` },
      h('header', {}, h('h3', { id: `p-${platform.id}` }, platform.name), state),
      h('p', { class: 'muted' }, kindNames[platform.kind], platform.capabilities.pushAvailability ? '' : ' · takes no availability'),
      last,
      message,
    );
    // An unavailable platform (no adapter yet, or no Chromium on the server) gets its reason and no connect form;
    // a connection made before keeps its settings and disconnect.
    if (!platform.available) body.append(h('p', { class: 'unavailable' }, platform.unavailableReason ?? 'castsync cannot connect this platform yet.'));
    if (connection?.connected) body.append(connectedControls(platform));
    if (platform.available && (!connection?.connected || connection.status === 'needs_reauth')) body.append(connectForm(platform));
    return { card: body, state, last, message };
  }

  function connectedControls(platform) {
    return h('div', {},
      h('div', { class: 'actions' },
        platform.capabilities.pushAvailability && h('button', { type: 'button', onclick: () => act(() => post(`/api/sync/availability/${platform.id}`), `Syncing ${platform.name}…`) }, 'Sync now'),
        h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Disconnect ${platform.name}? Its stored credentials are deleted.`) && act(() => del(`/api/platforms/${platform.id}`), `${platform.name} is disconnected.`) }, 'Disconnect'),
      ),
      platform.connection.webhookUrl && webhookField(platform),
      settingsForm(platform),
    );
  }

  /** The address to paste into the platform's webhook settings (there only when castsync can verify its signature). */
  function webhookField(platform) {
    const url = platform.connection.webhookUrl;
    const input = h('input', { name: 'webhookUrl', readonly: true, value: url, size: '40', onfocus: (event) => event.target.select() });
    const copy = async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(url);
        ctx.notify('Webhook URL copied.');
      } catch {
        // No clipboard access (a page not served over HTTPS): the text is selected for Ctrl+C / ⌘C.
        ctx.notify('Press Ctrl+C (⌘C on a Mac) to copy the selected URL.');
      }
    };
    return h('div', { class: 'webhook' },
      field('Webhook URL', input, `Copy it into ${platform.name}'s webhook settings: a profile changed there then reaches castsync at once instead of at the next check. It is this connection's own; it changes nothing without the token's signature.`),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: copy }, 'Copy webhook URL')),
    );
  }

  /** What is synced and how often it is pulled. Only what changed is sent; the API's refusal shows here. */
  function settingsForm(platform) {
    let saved = platform.connection;
    const { pushAvailability, pullAvailability, media, profile } = platform.capabilities;
    const box = (name, label, shown) => shown && h('label', { class: 'inline' }, h('input', { type: 'checkbox', name, checked: saved[name] }), ` ${label}`);
    const interval = h('input', { name: 'pullIntervalMinutes', inputmode: 'numeric', value: saved.pullIntervalMinutes ?? '', placeholder: 'default', size: '6' });
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'settings', 'aria-label': `${platform.name} settings` },
      h('fieldset', {},
        h('legend', {}, 'Settings'),
        h('div', { class: 'checks' },
          box('autoSync', 'Auto-sync', true),
          box('syncAvailability', 'Availability', pushAvailability),
          box('syncMedia', 'Media', media),
          box('syncProfile', 'Profile', profile),
        ),
        pullAvailability && field('Pull every (minutes)', interval, "5 to 10080; empty: the platform's default"),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Save settings')),
        error,
      ),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      const changes = changedSettings(form, saved);
      if (Object.keys(changes).length === 0) return ctx.notify(`${platform.name}: nothing changed.`);
      try {
        saved = (await patch(`/api/platforms/${platform.id}`, changes)).connection;
        ctx.notify(`${platform.name} settings saved.`);
        ctx.changed();
        await refresh();
      } catch (failure) {
        error.textContent = failure.message;
      }
    });
    return form;
  }

  function connectForm(platform) {
    const reconnect = platform.connection?.connected ? 'Reconnect' : 'Connect';
    const inputs = {
      rest: () => [field('API key', h('input', { name: 'apiKey', autocomplete: 'off', required: true }))],
      browser: () => [
        field('E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'off', required: true })),
        field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'off', required: true })),
        platform.partnerApi && field('Partner API token (optional)', h('input', { name: 'partnerApiToken', type: 'password', autocomplete: 'off' }), `Read-only; ${platform.name}'s pictures and showreels are then checked through its API instead of the website (the calendar always goes through the website).`),
        platform.partnerApi && field('Partner API profile id (optional)', h('input', { name: 'partnerApiProfileId', inputmode: 'numeric', autocomplete: 'off', size: '12' }), `Only with a token that reads several actor profiles (an agency's): the number of your profile. Leave it empty and castsync tells you which ids the token reads.`),
      ],
      email: () => [field('Agency e-mail address', h('input', { name: 'agencyEmail', type: 'email', required: true }), 'Changes are sent there as e-mail with a calendar file.')],
      oauth: () => [h('p', { class: 'muted' }, `You sign in at ${platform.name} and come back here.`)],
    }[platform.kind]();
    const form = h('form', { class: 'connect', 'aria-label': `${reconnect} ${platform.name}` }, inputs, h('button', { type: 'submit' }, platform.kind === 'oauth' ? `${reconnect} with ${platform.name}` : reconnect));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      // Optional fields left empty are not sent: the API takes a field's absence, not an empty value.
      const body = Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== ''));
      const button = form.querySelector('button');
      button.disabled = true;
      try {
        const answer = await post(`/api/platforms/${platform.id}/connect`, body);
        if (answer?.authorizationUrl) return location.assign(answer.authorizationUrl);
        ctx.notify(`${platform.name} is connected.`);
        ctx.changed();
        await refresh();
      } catch (error) {
        ctx.fail(error);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  async function act(request, done) {
    try {
      await request();
      ctx.notify(done);
      ctx.changed();
      await refresh();
    } catch (error) {
      ctx.fail(error);
    }
  }

  return { refresh, busy: () => busy };
}

/** The settings form's values that differ from the saved connection (the interval is left to the API to judge). */
function changedSettings(form, saved) {
  const changes = {};
  for (const box of form.querySelectorAll('input[type=checkbox]')) if (box.checked !== saved[box.name]) changes[box.name] = box.checked;
  const interval = form.elements.namedItem('pullIntervalMinutes');
  if (interval) {
    const text = interval.value.trim();
    const value = text === '' ? null : Number(text);
    if (value !== saved.pullIntervalMinutes) changes.pullIntervalMinutes = Number.isNaN(value) ? text : value;
  }
  return changes;
}

/** One label for what the user most needs to know about a platform right now. */
function connectionState(platform, status) {
  const c = platform.connection;
  // Its reason is on the card; a connection's pushes wait until the server can work the platform again.
  if (!platform.available) return { key: 'unavailable', label: 'unavailable' };
  if (!c?.connected) return { key: 'disconnected', label: 'not connected' };
  if (c.status === 'needs_reauth') return { key: 'needs-reauth', label: 'needs re-authorization', message: c.statusMessage };
  const sync = status?.sync;
  const lastError = sync?.lastErrorType ?? status?.lastAttempt?.errorType ?? '';
  const quotaUntil = status?.quota?.waitingUntil;
  if (quotaUntil && (lastError === 'QuotaWaitError' || (sync && (sync.state === 'syncing' || sync.state === 'pending' || sync.queued)))) {
    // castsync pacing itself within the account's published quota (lib/request-quotas.ts): no trouble, a wait.
    const { requests, perSeconds } = status.quota;
    return { key: 'syncing', label: 'waiting for quota', message: `the account's quota (${requests} requests per ${perSeconds} s) is spent; castsync sends again at ${new Date(quotaUntil).toLocaleTimeString()}` };
  }
  if (sync && (sync.state === 'syncing' || sync.state === 'pending' || sync.queued)) {
    return /RateLimit/i.test(lastError) ? { key: 'syncing', label: 'rate-limited', message: sync.lastError } : { key: 'syncing', label: 'syncing' };
  }
  if (c.status === 'failing' || sync?.state === 'failed') {
    // A platform down past its retry window is pushed again by itself: say when.
    const again = sync?.redrive ? `trying again at ${new Date(sync.redrive.nextAttemptAt).toLocaleTimeString()}` : null;
    const message = [c.statusMessage ?? sync?.lastError, again].filter(Boolean).join('; ');
    return { key: 'failing', label: 'failing', message: message || undefined };
  }
  if (!platform.capabilities.pushAvailability) return { key: 'connected', label: 'connected' };
  return { key: 'in-sync', label: sync || c.lastSyncedAt ? 'in sync' : 'connected' };
}
