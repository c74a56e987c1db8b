// @ts-check
// Profile: every field of the profile as a form, each with a public/private switch, and per platform how far it
// is in step and which values it cannot show. The controls are built from the API's description of the fields
// (GET /api/profile/fields: label, group, kind, allowed values, limits, and the schema the profile route validates
// with), so vocabularies and limits are written once, in lib/profile.ts. Lists are one entry a line
// ("German: native"), credits a table. The API judges the values; its refusal is shown beside the form.
import { get, post, put } from './api.js';
import { dateTime, field, fill, h } from './dom.js';

/** @typedef {import('./types.js').ProfileField} ProfileField */
/** @typedef {import('./types.js').FieldSchema} FieldSchema */
/** @typedef {import('./types.js').Profile} Profile */
/**
 * A field's control: its element, what it holds now (undefined: empty), and a way to show a value.
 * @typedef {{ element: HTMLElement, read: () => any, write: (value: any) => void }} Control
 */
/**
 * @typedef {object} PlatformProfileState  Each of GET /api/profile/platforms
 * @property {string} platformId
 * @property {string} name
 * @property {boolean} syncProfile
 * @property {number | null} syncedVersion
 * @property {string | null} syncedAt
 * @property {{ field: string, reason: string }[]} unrepresentable
 * @property {string | null} lastError
 * @property {boolean} inStep
 */

/** @param {string} value */
const optionText = (value) => value.replace(/-/g, ' ');

/** @type {Promise<ProfileField[]> | null} */
let fieldList = null;
/** The profile's fields, in display order, fetched once per page load (again after a failure). */
function loadFields() {
  fieldList ??= get('/api/profile/fields').then(
    (answer) => /** @type {ProfileField[]} */ (answer.fields),
    (error) => {
      fieldList = null;
      throw error;
    },
  );
  return fieldList;
}

/** @param {{ minimum?: number | null, maximum?: number | null } | undefined} limits */
function bounds(limits) {
  if (limits?.minimum == null || limits.maximum == null) return undefined;
  return `${limits.minimum} to ${limits.maximum}`;
}

/**
 * A number when the text is one; otherwise the text itself, for the API to refuse by name.
 * @param {string} text
 */
function numberOrText(text) {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return Number.isNaN(Number(trimmed)) ? trimmed : Number(trimmed);
}

/**
 * An optional choice from a vocabulary.
 * @param {string} name
 * @param {string[]} values
 */
function choice(name, values, blank = '—') {
  return /** @type {HTMLSelectElement} */ (h('select', { name }, h('option', { value: '' }, blank), values.map((v) => h('option', { value: v }, optionText(v)))));
}

/** @param {ProfileField} spec @returns {Control} */
function numberControl(spec) {
  const input = /** @type {HTMLInputElement} */ (h('input', { name: spec.key, type: 'number', inputmode: 'numeric' }));
  return {
    element: field(spec.label, input, [bounds(spec), spec.description].filter(Boolean).join(' · ') || undefined),
    read: () => numberOrText(input.value),
    write: (value) => (input.value = value ?? ''),
  };
}

/** @param {ProfileField} spec @returns {Control} */
function choiceControl(spec) {
  const select = choice(spec.key, spec.values ?? []);
  return { element: field(spec.label, select), read: () => select.value || undefined, write: (value) => (select.value = value ?? '') };
}

/** @param {ProfileField} spec @returns {Control} */
function textControl(spec) {
  const input = /** @type {HTMLInputElement} */ (h('input', { name: spec.key }));
  return { element: field(spec.label, input), read: () => input.value.trim() || undefined, write: (value) => (input.value = value ?? '') };
}

/** { from, to } as two numbers side by side (the playing age). @param {ProfileField} spec @returns {Control} */
function rangeControl(spec) {
  const ends = Object.keys(spec.schema.properties ?? {});
  const inputs = ends.map((end) => /** @type {HTMLInputElement} */ (h('input', { name: `${spec.key}.${end}`, type: 'number', inputmode: 'numeric' })));
  return {
    element: h('div', { class: 'row' }, ends.map((end, i) => field(`${spec.label} ${end}`, inputs[i], i === 0 ? bounds(spec) : undefined))),
    read() {
      const values = inputs.map((input) => numberOrText(input.value));
      if (values.every((v) => v === undefined)) return undefined;
      return Object.fromEntries(ends.map((end, i) => [end, values[i]]).filter(([, v]) => v !== undefined));
    },
    write: (value) => inputs.forEach((input, i) => (input.value = value?.[ends[i] ?? ''] ?? '')),
  };
}

/** A list from a fixed vocabulary (driving licences): one checkbox each. @param {ProfileField} spec @returns {Control} */
function setControl(spec) {
  const boxes = (spec.values ?? []).map((v) => /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: spec.key, value: v })));
  return {
    element: h('fieldset', { class: 'field' }, h('legend', {}, spec.label), h('div', { class: 'checks' }, boxes.map((box) => h('label', { class: 'inline' }, box, ` ${box.value}`)))),
    read() {
      const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
      return chosen.length ? chosen : undefined;
    },
    write: (value) => boxes.forEach((box) => (box.checked = (value ?? []).includes(box.value))),
  };
}

/**
 * How one entry of a list is written on its line, and read back.
 * @param {FieldSchema} schema
 * @returns {{ hint: string, show: (entry: any) => string, parse: (line: string) => unknown }}
 */
function lineFormat(schema) {
  const item = schema.items;
  if (item?.type !== 'object') return { hint: 'One per line.', show: String, parse: (line) => line };
  const props = item.properties ?? {};
  if (props.url) {
    return {
      hint: 'One per line: the name, then its web address (https://…).',
      show: (entry) => `${entry.name} ${entry.url}`,
      parse: (line) => {
        const match = /^(.*?)\s+(https?:\/\/\S+)$/.exec(line);
        return match ? { name: match[1], url: match[2] } : { name: line };
      },
    };
  }
  const required = item.required?.includes('level');
  return {
    hint: `One per line, "name: level"${required ? '' : ' (the level may be left out)'}; levels: ${(props.level?.enum ?? []).join(', ')}.`,
    show: (entry) => (entry.level ? `${entry.name}: ${entry.level}` : entry.name),
    parse: (line) => {
      const at = line.lastIndexOf(':');
      if (at < 0) return { name: line };
      return { name: line.slice(0, at).trim(), level: line.slice(at + 1).trim().toLowerCase() };
    },
  };
}

/** @param {ProfileField} spec @returns {Control} */
function linesControl(spec) {
  const format = lineFormat(spec.schema);
  const area = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: spec.key, rows: '3' }));
  return {
    element: field(spec.label, area, [format.hint, spec.description].filter(Boolean).join(' ')),
    read() {
      const lines = area.value.split('\n').map((line) => line.trim()).filter(Boolean);
      return lines.length ? lines.map(format.parse) : undefined;
    },
    write: (value) => (area.value = (value ?? []).map(format.show).join('\n')),
  };
}

/** Credits: a small table, a row each, added and removed with buttons. @param {ProfileField} spec @returns {Control} */
function tableControl(spec) {
  const columns = spec.columns ?? [];
  const body = h('tbody');
  /** @param {import('./types.js').ProfileFieldColumn} column */
  const cell = (column) => {
    const type = spec.schema.items?.properties?.[column.key]?.type;
    return column.values ? choice(column.key, column.values, column.required ? 'choose…' : '—') : /** @type {HTMLInputElement} */ (h('input', { name: column.key, type: type === 'integer' ? 'number' : 'text' }));
  };
  /** Each cell is named by its column and row, as a screen reader needs inside a table of inputs. */
  const numberRows = () => [...body.children].forEach((tr, i) => {
    tr.querySelectorAll('input, select').forEach((control, c) => control.setAttribute('aria-label', `${columns[c]?.label}, row ${i + 1}`));
    tr.querySelector('button')?.setAttribute('aria-label', `Remove credit ${i + 1}`);
  });
  /** @param {Record<string, unknown>} entry */
  const addRow = (entry = {}) => {
    const controls = columns.map((column) => cell(column));
    controls.forEach((control, i) => (control.value = String(entry[columns[i]?.key ?? ''] ?? '')));
    const tr = h('tr', {}, controls.map((control) => h('td', {}, control)), h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => {
      tr.remove();
      numberRows();
      add.focus();
    } }, 'Remove')));
    body.append(tr);
    numberRows();
    return tr;
  };
  const add = h('button', { type: 'button', onclick: () => /** @type {HTMLElement | null} */ (addRow().querySelector('select, input'))?.focus() }, 'Add a credit');
  const table = h('div', { class: 'table-wrap credits' }, h('table', {},
    h('caption', { class: 'sr-only' }, spec.label),
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col' }, column.label, column.required ? ' *' : '')), h('th', {}, h('span', { class: 'sr-only' }, 'Remove')))),
    body,
  ));
  return {
    element: h('fieldset', { class: 'field' }, h('legend', {}, spec.label), table, h('div', { class: 'actions' }, add), h('small', {}, '* needed for each credit')),
    read() {
      const rows = [...body.children].map((tr) => {
        const values = [.../** @type {NodeListOf<HTMLInputElement | HTMLSelectElement>} */ (tr.querySelectorAll('input, select'))].map((control, i) => {
          const column = columns[i]?.key ?? '';
          const integer = spec.schema.items?.properties?.[column]?.type === 'integer';
          return [column, integer ? numberOrText(control.value) : control.value.trim() || undefined];
        });
        return Object.fromEntries(values.filter(([, v]) => v !== undefined));
      }).filter((entry) => Object.keys(entry).length > 0);
      return rows.length ? rows : undefined;
    },
    write(value) {
      body.replaceChildren();
      for (const entry of value ?? []) addRow(entry);
    },
  };
}

/** @type {Record<ProfileField['kind'], (spec: ProfileField) => Control>} */
const controlsByKind = { number: numberControl, choice: choiceControl, text: textControl, range: rangeControl, set: setControl, lines: linesControl, table: tableControl };

/**
 * @param {HTMLElement} section
 * @param {import('./types.js').ViewContext} ctx
 * @returns {import('./types.js').View}
 */
export function profileView(section, ctx) {
  /** @type {Profile | null} */
  let profile = null;
  /** @type {PlatformProfileState[]} */
  let platforms = [];
  let dirty = false;
  /** Field key -> its label, for the platforms' notes on values they cannot show. */
  const labels = new Map();
  /** @param {string} key */
  const labelOf = (key) => labels.get(key) ?? key;
  const form = h('form', { class: 'card profile-form', 'aria-label': 'Profile', novalidate: true });
  const states = h('div', { class: 'cards' });
  section.append(
    h('p', {}, 'What casting platforms show about you. A private field is kept here and cleared on every platform.'),
    form,
    h('h3', {}, 'On your platforms'),
    states,
  );
  form.addEventListener('input', () => (dirty = true));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });
  /** @type {Map<string, { control: Control, visibility: HTMLInputElement }> | null} */
  let controls = null;
  const error = h('p', { class: 'error', role: 'alert' });
  const versionNote = h('span', { class: 'muted version' });

  async function refresh() {
    const [fields, current, answer] = await Promise.all([loadFields(), get('/api/profile'), get('/api/profile/platforms')]);
    const built = controls ?? buildForm(fields);
    // A poll brings a newer version in only when the user is not in the middle of editing.
    if (!profile || (current.version !== profile.version && !dirty)) show(built, current);
    platforms = answer.platforms;
    renderStates(answer.version);
  }

  /** A fieldset per group, in the order the API lists the fields. @param {ProfileField[]} fields */
  function buildForm(fields) {
    const built = new Map();
    /** @type {Map<string, HTMLElement[]>} */
    const groups = new Map();
    for (const spec of fields) {
      labels.set(spec.key, spec.label);
      const control = controlsByKind[spec.kind](spec);
      const visibility = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: `${spec.key}:public`, 'aria-label': `Public: ${spec.label}` }));
      built.set(spec.key, { control, visibility });
      const row = h('div', { class: 'profile-field', 'data-field': spec.key }, control.element, h('label', { class: 'inline visibility', title: 'Shown on your platforms' }, visibility, h('span', { 'aria-hidden': 'true' }, ' Public')));
      groups.set(spec.group, [...(groups.get(spec.group) ?? []), row]);
    }
    const fieldsets = [...groups].map(([title, rows]) => h('fieldset', {}, h('legend', {}, title), rows));
    fill(form, fieldsets, error, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save profile'), versionNote));
    controls = built;
    return built;
  }
  /**
   * @param {NonNullable<typeof controls>} built
   * @param {Profile} current
   */
  function show(built, current) {
    profile = current;
    dirty = false;
    for (const [name, { control, visibility }] of built) {
      control.write(current.fields[name]);
      visibility.checked = current.visibility[name] !== 'private';
    }
    versionNote.textContent = current.version ? `Version ${current.version}${current.updatedAt ? `, saved ${dateTime(current.updatedAt)}` : ''}` : 'Not saved yet';
  }

  /** The whole profile as the form shows it: empty fields are left out, only private fields are named. */
  /** @param {NonNullable<typeof controls>} built */
  function formProfile(built) {
    /** @type {Record<string, unknown>} */
    const fields = {};
    /** @type {Record<string, string>} */
    const visibility = {};
    for (const [name, { control, visibility: box }] of built) {
      const value = control.read();
      if (value !== undefined) fields[name] = value;
      if (!box.checked) visibility[name] = 'private';
    }
    return { fields, visibility };
  }

  async function save() {
    error.textContent = '';
    if (!controls || !profile) return;
    try {
      /** @type {Profile} */
      const saved = await put('/api/profile', { ...formProfile(controls), version: profile.version });
      const unchanged = saved.version === profile.version;
      show(controls, saved);
      if (unchanged) return ctx.notify('Nothing changed.');
      ctx.notify(saved.syncRequested ? `Profile saved (version ${saved.version}); sending it to your platforms.` : `Profile saved (version ${saved.version}); nothing changed, so nothing to send.`);
      ctx.changed();
      await refresh();
    } catch (failure) {
      error.textContent = `Not saved: ${failure instanceof Error ? failure.message : String(failure)}`;
      error.scrollIntoView?.({ block: 'nearest' });
    }
  }

  /** @param {number} version */
  function renderStates(version) {
    if (platforms.length === 0) return fill(states, h('p', { class: 'muted' }, 'No connected platform keeps a profile.'));
    fill(states, platforms.map((p) => {
      const state = profileState(p);
      return h('article', { class: 'card', 'data-profile-platform': p.platformId, 'aria-labelledby': `pp-${p.platformId}` },
        h('header', {}, h('h4', { id: `pp-${p.platformId}` }, p.name), h('span', { class: `badge ${state.key}` }, state.label)),
        h('p', { class: 'muted' }, p.syncedVersion ? `Has version ${p.syncedVersion} of ${version}, ${dateTime(p.syncedAt)}` : 'Has no version yet'),
        p.lastError && h('p', { class: 'error' }, p.lastError),
        p.unrepresentable.length > 0 && [
          h('p', {}, `${p.name} cannot show:`),
          h('ul', { class: 'unrepresentable' }, p.unrepresentable.map((u) => h('li', {}, `${labelOf(u.field.split(/[.[]/)[0])}: ${u.reason}`))),
        ],
        version > 0 && h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => syncNow(p) }, `Sync profile now: ${p.name}`)),
      );
    }));
  }

  /**
   * Sends the profile again, compared in full: for a platform where it was changed by hand.
   * @param {PlatformProfileState} platform
   */
  async function syncNow(platform) {
    try {
      await post(`/api/sync/profile/${platform.platformId}`);
      ctx.notify(`Sending your profile to ${platform.name}…`);
      ctx.changed();
    } catch (error) {
      ctx.fail(error);
    }
  }

  const busy = () => platforms.some((p) => p.syncProfile && !p.inStep && !p.lastError);
  return { refresh, busy };
}

/** @param {PlatformProfileState} p */
function profileState(p) {
  if (!p.syncProfile) return { key: 'disconnected', label: 'profile sync off' };
  if (p.inStep) return { key: 'in-sync', label: 'in step' };
  if (p.lastError) return { key: 'failed', label: 'failed' };
  return { key: 'pending', label: 'pending' };
}
