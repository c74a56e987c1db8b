// @ts-check
// Platforms: the catalog with each connection's state, the connect form its kind needs (API key, e-mail and
// password, agency address, or the OAuth redirect), settings, disconnect and "sync now", and the webhook URL a
// platform with webhooks is given. The view draws what the shared store (store.js) holds, which one status request
// keeps current; cards are rebuilt only when a connection appears or goes, so a poll never wipes what the user is
// typing.
import { patch, post, del } from './api.js';
import { dateTime, field, fill, h } from './dom.js';
import { platformState, platformStore } from './store.js';

/** @typedef {import('./types.js').Platform} Platform */
/** @typedef {import('./types.js').Connection} Connection */
/** @typedef {import('./types.js').PlatformsStatus} PlatformsStatus */
/** @typedef {{ shape: string, card: HTMLElement, state: HTMLElement, last: HTMLElement, message: HTMLElement }} Card */

/** @type {Record<string, string>} */
const kindNames = { rest: 'REST API', oauth: 'OAuth', browser: 'Browser automation', email: 'E-mail to agency' };

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function platformsView(section, ctx) {
  const list = h('div', { class: 'cards' });
  section.append(h('p', {}, 'Every platform castsync can keep in step. Connect one and your calendar is pushed to it.'), list);
  /** @type {Map<string, Card>} */
  const cards = new Map();

  /** @param {PlatformsStatus} status */
  function render(status) {
    for (const platform of status.platforms) {
      const connection = platform.connection;
      const shape = `${platform.available}/${connection?.connected}/${connection?.status}/${connection?.webhookUrl ?? ''}`;
      let entry = cards.get(platform.id);
      if (!entry || entry.shape !== shape) {
        const next = { ...card(platform), shape };
        if (entry) entry.card.replaceWith(next.card);
        else list.append(next.card);
        entry = next;
        cards.set(platform.id, entry);
      }
      const state = platformState(platform);
      entry.state.className = `badge ${state.key}`;
      entry.state.textContent = state.label;
      entry.card.dataset.state = state.key;
      fill(entry.last, connection?.connected ? `Last successful sync: ${dateTime(connection.lastSyncedAt)}` : '');
      fill(entry.message, state.message ?? '');
    }
  }

  const close = platformStore.subscribe(render, ctx.fail);
  const refresh = async () => {
    await platformStore.refresh();
  };
  /** After a change: the store watches closely for the sync it causes. */
  const changed = async () => {
    ctx.changed();
    platformStore.changed();
    await refresh();
  };

  /**
   * @param {Platform} platform
   * @returns {Omit<Card, 'shape'>}
   */
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
    if (connection?.connected) body.append(connectedControls(platform, connection));
    if (platform.available && (!connection?.connected || connection.status === 'needs_reauth')) body.append(connectForm(platform));
    return { card: body, state, last, message };
  }

  /**
   * @param {Platform} platform
   * @param {Connection} connection
   */
  function connectedControls(platform, connection) {
    return h('div', {},
      h('div', { class: 'actions' },
        platform.capabilities.pushAvailability && h('button', { type: 'button', onclick: () => act(() => post(`/api/sync/availability/${platform.id}`), `Syncing ${platform.name}…`) }, 'Sync now'),
        h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Disconnect ${platform.name}? Its stored credentials are deleted.`) && act(() => del(`/api/platforms/${platform.id}`), `${platform.name} is disconnected.`) }, 'Disconnect'),
      ),
      connection.webhookUrl && webhookField(platform, connection.webhookUrl),
      settingsForm(platform, connection),
    );
  }

  /** The address to paste into the platform's webhook settings (there only when castsync can verify its signature). */
  /**
   * @param {Platform} platform
   * @param {string} url
   */
  function webhookField(platform, url) {
    const input = /** @type {HTMLInputElement} */ (h('input', { name: 'webhookUrl', readonly: true, value: url, size: '40', onfocus: () => input.select() }));
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
  /**
   * @param {Platform} platform
   * @param {Connection} connection
   */
  function settingsForm(platform, connection) {
    let saved = connection;
    const { pushAvailability, pullAvailability, media, profile } = platform.capabilities;
    /** @type {(name: 'autoSync' | 'syncAvailability' | 'syncMedia' | 'syncProfile', label: string, shown: boolean) => HTMLElement | false} */
    const box = (name, label, shown) => shown && h('label', { class: 'inline' }, h('input', { type: 'checkbox', name, checked: saved[name] }), ` ${label}`);
    const interval = h('input', { name: 'pullIntervalMinutes', inputmode: 'numeric', value: saved.pullIntervalMinutes ?? '', placeholder: 'default', size: '6' });
    const error = h('p', { class: 'error', role: 'alert' });
    const form = /** @type {HTMLFormElement} */ (h('form', { class: 'settings', 'aria-label': `${platform.name} settings` },
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
    ));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      const changes = changedSettings(form, saved);
      if (Object.keys(changes).length === 0) return ctx.notify(`${platform.name}: nothing changed.`);
      try {
        saved = (await patch(`/api/platforms/${platform.id}`, changes)).connection;
        ctx.notify(`${platform.name} settings saved.`);
        await changed();
      } catch (failure) {
        error.textContent = failure instanceof Error ? failure.message : String(failure);
      }
    });
    return form;
  }

  /** @param {Platform} platform */
  function connectForm(platform) {
    const reconnect = platform.connection?.connected ? 'Reconnect' : 'Connect';
    /** @type {Record<import('./types.js').PlatformKind, () => (HTMLElement | false)[]>} */
    const inputsByKind = {
      rest: () => [field('API key', h('input', { name: 'apiKey', autocomplete: 'off', required: true }))],
      browser: () => [
        field('E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'off', required: true })),
        field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'off', required: true })),
        platform.partnerApi && field('Partner API token (optional)', h('input', { name: 'partnerApiToken', type: 'password', autocomplete: 'off' }), `Read-only; ${platform.name}'s pictures and showreels are then checked through its API instead of the website (the calendar always goes through the website).`),
        platform.partnerApi && field('Partner API profile id (optional)', h('input', { name: 'partnerApiProfileId', inputmode: 'numeric', autocomplete: 'off', size: '12' }), `Only with a token that reads several actor profiles (an agency's): the number of your profile. Leave it empty and castsync tells you which ids the token reads.`),
      ],
      email: () => [field('Agency e-mail address', h('input', { name: 'agencyEmail', type: 'email', required: true }), 'Changes are sent there as e-mail with a calendar file.')],
      oauth: () => [h('p', { class: 'muted' }, `You sign in at ${platform.name} and come back here.`)],
    };
    const inputs = inputsByKind[platform.kind]();
    const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit' }, platform.kind === 'oauth' ? `${reconnect} with ${platform.name}` : reconnect));
    const form = /** @type {HTMLFormElement} */ (h('form', { class: 'connect', 'aria-label': `${reconnect} ${platform.name}` }, inputs, button));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      // Optional fields left empty are not sent: the API takes a field's absence, not an empty value.
      const body = Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== ''));
      button.disabled = true;
      try {
        const answer = await post(`/api/platforms/${platform.id}/connect`, body);
        if (answer?.authorizationUrl) return location.assign(answer.authorizationUrl);
        ctx.notify(`${platform.name} is connected.`);
        await changed();
      } catch (error) {
        ctx.fail(error);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  /**
   * @param {() => Promise<unknown>} request
   * @param {string} done
   */
  async function act(request, done) {
    try {
      await request();
      ctx.notify(done);
      await changed();
    } catch (error) {
      ctx.fail(error);
    }
  }

  // The store keeps the view live: the shell need not poll it.
  return { refresh, live: true, close };
}

/**
 * The settings form's values that differ from the saved connection (the interval is left to the API to judge).
 * @param {HTMLFormElement} form
 * @param {Connection} saved
 */
function changedSettings(form, saved) {
  /** @type {Record<string, unknown>} */
  const changes = {};
  for (const box of form.querySelectorAll('input[type=checkbox]')) {
    const { name, checked } = /** @type {HTMLInputElement} */ (box);
    if (checked !== saved[/** @type {keyof Connection} */ (name)]) changes[name] = checked;
  }
  const interval = form.elements.namedItem('pullIntervalMinutes');
  if (interval instanceof HTMLInputElement) {
    const text = interval.value.trim();
    const value = text === '' ? null : Number(text);
    if (value !== saved.pullIntervalMinutes) changes.pullIntervalMinutes = Number.isNaN(value) ? text : value;
  }
  return changes;
}
