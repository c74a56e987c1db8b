// Profile: every field of the profile as a form, each with a public/private switch, and per platform how far it
// is in step and which values it cannot show. The controls are built from the API's own schema of the fields
// (the OpenAPI document), so vocabularies and limits are written once, in lib/profile.ts. Lists are one entry a
// line ("German: native"), credits a table. The API judges the values; its refusal is shown beside the form.
import { get, post, put } from './api.js';
import { dateTime, field, fill, h } from './dom.js';

/** Display order, grouping and labels; a field the API adds later still shows, under "Other". */
const GROUPS = [
  ['About you', { playingAge: 'Playing age', yearOfBirth: 'Year of birth', heightCm: 'Height (cm)', weightKg: 'Weight (kg)', eyeColour: 'Eye colour', hairColour: 'Hair colour', hairLength: 'Hair length', build: 'Build', voicePitch: 'Voice pitch' }],
  ['Languages', { languages: 'Languages', dialects: 'Dialects', accents: 'Accents' }],
  ['Skills', { specialSkills: 'Special skills', sports: 'Sports', dances: 'Dances', instruments: 'Instruments', singing: 'Singing', drivingLicences: 'Driving licences' }],
  ['Work', { nationalities: 'Nationalities', workPermits: 'Work permits', unions: 'Unions', residences: 'Can stay in (cities)', agencyLinks: 'Agency links' }],
  ['Credits', { credits: 'Credits' }],
];
const LABELS = Object.assign({}, ...GROUPS.map(([, labels]) => labels));
const CREDIT_COLUMNS = { category: 'Category', year: 'Year', title: 'Title', role: 'Role', roleType: 'Role type', director: 'Director', company: 'Company' };

const words = (name) => name.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());
const labelOf = (name) => LABELS[name] ?? words(name);
const optionText = (value) => value.replace(/-/g, ' ');

let fieldSchemas = null;
/** The PUT body's field schemas from the OpenAPI document, fetched once per page load. */
async function loadFieldSchemas() {
  if (fieldSchemas) return fieldSchemas;
  const doc = await get('/docs/json');
  const schema = doc.paths?.['/api/profile']?.put?.requestBody?.content?.['application/json']?.schema?.properties?.fields?.properties;
  if (!schema) throw new Error('the API does not describe the profile fields (GET /docs/json)');
  fieldSchemas = schema;
  return schema;
}

function bounds(schema) {
  if (schema.minimum === undefined || schema.maximum === undefined) return undefined;
  return `${schema.minimum} to ${schema.maximum}`;
}

/** A number when the text is one; otherwise the text itself, for the API to refuse by name. */
function numberOrText(text) {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return Number.isNaN(Number(trimmed)) ? trimmed : Number(trimmed);
}

/** An optional choice from a vocabulary. */
function choice(name, schema, blank = '—') {
  return h('select', { name }, h('option', { value: '' }, blank), schema.enum.map((v) => h('option', { value: v }, optionText(v))));
}

// Each control: { element, read() -> value or undefined, write(value) }.

function numberControl(name, schema) {
  const input = h('input', { name, type: 'number', inputmode: 'numeric' });
  return {
    element: field(labelOf(name), input, [bounds(schema), schema.description].filter(Boolean).join(' · ') || undefined),
    read: () => numberOrText(input.value),
    write: (value) => (input.value = value ?? ''),
  };
}

function choiceControl(name, schema) {
  const select = choice(name, schema);
  return { element: field(labelOf(name), select), read: () => select.value || undefined, write: (value) => (select.value = value ?? '') };
}

function textControl(name) {
  const input = h('input', { name });
  return { element: field(labelOf(name), input), read: () => input.value.trim() || undefined, write: (value) => (input.value = value ?? '') };
}

/** { from, to } as two numbers side by side (the playing age). */
function rangeControl(name, schema) {
  const ends = Object.keys(schema.properties);
  const inputs = ends.map((end) => h('input', { name: `${name}.${end}`, type: 'number', inputmode: 'numeric' }));
  const hint = bounds(schema.properties[ends[0]]);
  return {
    element: h('div', { class: 'row' }, ends.map((end, i) => field(`${labelOf(name)} ${end}`, inputs[i], i === 0 ? hint : undefined))),
    read() {
      const values = inputs.map((input) => numberOrText(input.value));
      if (values.every((v) => v === undefined)) return undefined;
      return Object.fromEntries(ends.map((end, i) => [end, values[i]]).filter(([, v]) => v !== undefined));
    },
    write: (value) => inputs.forEach((input, i) => (input.value = value?.[ends[i]] ?? '')),
  };
}

/** A list from a fixed vocabulary (driving licences): one checkbox each. */
function setControl(name, schema) {
  const boxes = schema.items.enum.map((v) => h('input', { type: 'checkbox', name, value: v }));
  return {
    element: h('fieldset', { class: 'field' }, h('legend', {}, labelOf(name)), h('div', { class: 'checks' }, boxes.map((box) => h('label', { class: 'inline' }, box, ` ${box.value}`)))),
    read() {
      const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
      return chosen.length ? chosen : undefined;
    },
    write: (value) => boxes.forEach((box) => (box.checked = (value ?? []).includes(box.value))),
  };
}

/** How one entry of a list is written on its line, and read back. */
function lineFormat(schema) {
  const item = schema.items;
  if (item.type !== 'object') return { hint: 'One per line.', show: String, parse: (line) => line };
  const props = item.properties;
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
    hint: `One per line, "name: level"${required ? '' : ' (the level may be left out)'}; levels: ${props.level.enum.join(', ')}.`,
    show: (entry) => (entry.level ? `${entry.name}: ${entry.level}` : entry.name),
    parse: (line) => {
      const at = line.lastIndexOf(':');
      if (at < 0) return { name: line };
      return { name: line.slice(0, at).trim(), level: line.slice(at + 1).trim().toLowerCase() };
    },
  };
}

function linesControl(name, schema) {
  const format = lineFormat(schema);
  const area = h('textarea', { name, rows: '3' });
  return {
    element: field(labelOf(name), area, [format.hint, schema.description ?? schema.items.description].filter(Boolean).join(' ')),
    read() {
      const lines = area.value.split('\n').map((line) => line.trim()).filter(Boolean);
      return lines.length ? lines.map(format.parse) : undefined;
    },
    write: (value) => (area.value = (value ?? []).map(format.show).join('\n')),
  };
}

/** Credits: a small table, a row each, added and removed with buttons. */
function tableControl(name, schema) {
  const columns = Object.entries(schema.items.properties);
  const required = new Set(schema.items.required ?? []);
  const body = h('tbody');
  const cell = (column, columnSchema) =>
    columnSchema.enum ? choice(column, columnSchema, required.has(column) ? 'choose…' : '—') : h('input', { name: column, type: columnSchema.type === 'integer' ? 'number' : 'text' });
  /** Each cell is named by its column and row, as a screen reader needs inside a table of inputs. */
  const numberRows = () => [...body.rows].forEach((tr, i) => {
    tr.querySelectorAll('input, select').forEach((control, c) => control.setAttribute('aria-label', `${CREDIT_COLUMNS[columns[c][0]] ?? words(columns[c][0])}, row ${i + 1}`));
    tr.querySelector('button').setAttribute('aria-label', `Remove credit ${i + 1}`);
  });
  const addRow = (entry = {}) => {
    const controls = columns.map(([column, columnSchema]) => cell(column, columnSchema));
    controls.forEach((control, i) => (control.value = entry[columns[i][0]] ?? ''));
    const tr = h('tr', {}, controls.map((control) => h('td', {}, control)), h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => {
      tr.remove();
      numberRows();
      add.focus();
    } }, 'Remove')));
    body.append(tr);
    numberRows();
    return tr;
  };
  const add = h('button', { type: 'button', onclick: () => addRow().querySelector('select, input').focus() }, 'Add a credit');
  const table = h('div', { class: 'table-wrap credits' }, h('table', {},
    h('caption', { class: 'sr-only' }, labelOf(name)),
    h('thead', {}, h('tr', {}, columns.map(([column]) => h('th', { scope: 'col' }, CREDIT_COLUMNS[column] ?? words(column), required.has(column) ? ' *' : '')), h('th', {}, h('span', { class: 'sr-only' }, 'Remove')))),
    body,
  ));
  return {
    element: h('fieldset', { class: 'field' }, h('legend', {}, labelOf(name)), table, h('div', { class: 'actions' }, add), h('small', {}, '* needed for each credit')),
    read() {
      const rows = [...body.rows].map((tr) => {
        const values = [...tr.querySelectorAll('input, select')].map((control, i) => {
          const [column, columnSchema] = columns[i];
          const value = columnSchema.type === 'integer' ? numberOrText(control.value) : control.value.trim() || undefined;
          return [column, value];
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

function controlFor(name, schema) {
  if (schema.type === 'integer' || schema.type === 'number') return numberControl(name, schema);
  if (schema.type === 'string') return schema.enum ? choiceControl(name, schema) : textControl(name);
  if (schema.type === 'object') return rangeControl(name, schema);
  if (schema.items?.enum) return setControl(name, schema);
  if (schema.items?.type === 'object' && Object.keys(schema.items.properties).length > 2) return tableControl(name, schema);
  return linesControl(name, schema);
}

export function profileView(section, ctx) {
  let profile = null;
  let platforms = [];
  let dirty = false;
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
  let controls = null; // field name -> { control, visibility checkbox }
  const error = h('p', { class: 'error', role: 'alert' });

  async function refresh() {
    const [schemas, current, answer] = await Promise.all([loadFieldSchemas(), get('/api/profile'), get('/api/profile/platforms')]);
    if (!controls) buildForm(schemas);
    // A poll brings a newer version in only when the user is not in the middle of editing.
    if (!profile || (current.version !== profile.version && !dirty)) show(current);
    platforms = answer.platforms;
    renderStates(answer.version);
  }

  function buildForm(schemas) {
    controls = new Map();
    const known = new Set(Object.keys(LABELS));
    const groups = [...GROUPS.map(([title, labels]) => [title, Object.keys(labels)]), ['Other', Object.keys(schemas).filter((name) => !known.has(name))]];
    const fieldsets = groups.map(([title, names]) => {
      const rows = names.filter((name) => schemas[name]).map((name) => {
        const control = controlFor(name, schemas[name]);
        const visibility = h('input', { type: 'checkbox', name: `${name}:public`, 'aria-label': `Public: ${labelOf(name)}` });
        controls.set(name, { control, visibility });
        return h('div', { class: 'profile-field', 'data-field': name }, control.element, h('label', { class: 'inline visibility', title: 'Shown on your platforms' }, visibility, h('span', { 'aria-hidden': 'true' }, ' Public')));
      });
      return rows.length > 0 && h('fieldset', {}, h('legend', {}, title), rows);
    });
    fill(form, fieldsets, error, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save profile'), h('span', { class: 'muted version' })));
  }

  function show(current) {
    profile = current;
    dirty = false;
    for (const [name, { control, visibility }] of controls) {
      control.write(current.fields[name]);
      visibility.checked = current.visibility[name] !== 'private';
    }
    form.querySelector('.version').textContent = current.version ? `Version ${current.version}${current.updatedAt ? `, saved ${dateTime(current.updatedAt)}` : ''}` : 'Not saved yet';
  }

  /** The whole profile as the form shows it: empty fields are left out, only private fields are named. */
  function formProfile() {
    const fields = {};
    const visibility = {};
    for (const [name, { control, visibility: box }] of controls) {
      const value = control.read();
      if (value !== undefined) fields[name] = value;
      if (!box.checked) visibility[name] = 'private';
    }
    return { fields, visibility };
  }

  async function save() {
    error.textContent = '';
    try {
      const saved = await put('/api/profile', { ...formProfile(), version: profile.version });
      const unchanged = saved.version === profile.version;
      show(saved);
      if (unchanged) return ctx.notify('Nothing changed.');
      ctx.notify(saved.syncRequested ? `Profile saved (version ${saved.version}); sending it to your platforms.` : `Profile saved (version ${saved.version}); nothing changed, so nothing to send.`);
      ctx.changed();
      await refresh();
    } catch (failure) {
      error.textContent = `Not saved: ${failure.message}`;
      error.scrollIntoView?.({ block: 'nearest' });
    }
  }

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

  /** Sends the profile again, compared in full: for a platform where it was changed by hand. */
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

function profileState(p) {
  if (!p.syncProfile) return { key: 'disconnected', label: 'profile sync off' };
  if (p.inStep) return { key: 'in-sync', label: 'in step' };
  if (p.lastError) return { key: 'failed', label: 'failed' };
  return { key: 'pending', label: 'pending' };
}
