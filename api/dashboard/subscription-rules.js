// @ts-check
// The rules of a calendar subscription in the dashboard's form: a list the user adds to and removes from, in the
// order the API tries them (the first rule an event matches decides what it becomes; an event no rule matches is not
// imported), up to the API's 20. Each rule is one condition (every event, busy events, a word in the title, a
// category) and what it becomes. A rule that names several conditions at once (set through the API) cannot be shown
// here: the caller keeps the rules as they are then.
import { field, h, select } from './dom.js';

/** @typedef {{ kind: string, busyOnly?: boolean, category?: string, word?: string }} Rule */

/** As many as the API takes (MAX_RULES in lib/calendar-sources.ts). */
export const MAX_RULES = 20;

/** @type {[string, string][]} */
export const KINDS = [['block', 'Blocked days'], ['travel', 'Travel days'], ['booking', 'Bookings']];
/** @type {[string, string][]} */
const WHICH = [['all', 'Every event'], ['busy', 'Events that show me as busy'], ['word', 'Events with a word in the title'], ['category', 'Events in a category']];

/** @param {Rule} rule */
export function describeRule(rule) {
  const kind = (KINDS.find(([value]) => value === rule.kind) ?? [rule.kind, rule.kind])[1].toLowerCase();
  const which = rule.word ? `events with “${rule.word}” in the title` : rule.category ? `events in category “${rule.category}”` : rule.busyOnly ? 'busy events' : 'every event';
  return `${which} → ${kind}`;
}

/** @param {Rule} rule the one condition the form shows for it, or null when it has several */
function conditionOf(rule) {
  const set = [rule.busyOnly ? 'busy' : null, rule.word !== undefined ? 'word' : null, rule.category !== undefined ? 'category' : null].filter(Boolean);
  return set.length > 1 ? null : set[0] ?? 'all';
}

/** @param {readonly Rule[]} rules whether the form can show every one of them */
export const formShows = (rules) => rules.length > 0 && rules.length <= MAX_RULES && rules.every((rule) => conditionOf(rule) !== null);

/**
 * A rule as the form would send it: same keys in the same order, so a comparison says whether the user changed it.
 * @param {Rule} rule
 * @returns {Rule}
 */
export function formRule(rule) {
  const which = conditionOf(rule);
  return {
    kind: rule.kind,
    ...(which === 'busy' ? { busyOnly: true } : {}),
    ...(which === 'word' ? { word: rule.word ?? '' } : {}),
    ...(which === 'category' ? { category: rule.category ?? '' } : {}),
  };
}

/**
 * The editor: one fieldset per rule ("Rule 1", "Rule 2", …) with its condition and what it becomes, buttons to add a
 * rule and to remove one (never the last), and the order explained.
 * @param {readonly Rule[]} initial
 */
export function rulesEditor(initial) {
  const list = h('ol', { class: 'rules' });
  /** @type {{ item: HTMLElement, legend: HTMLElement, remove: HTMLButtonElement, rule: () => Rule }[]} */
  let rows = [];
  const add = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'secondary', onclick: () => addRow({ kind: 'block' }, true) }, 'Add a rule'));

  /** After a change: the numbers, the remove buttons (not for the only rule) and the add button (not past 20). */
  const renumber = () => {
    rows.forEach((row, index) => {
      row.legend.textContent = `Rule ${index + 1}`;
      row.remove.textContent = `Remove rule ${index + 1}`;
      row.remove.hidden = rows.length === 1;
    });
    add.disabled = rows.length >= MAX_RULES;
  };

  /**
   * @param {Rule} rule
   * @param {boolean} [focus]
   */
  function addRow(rule, focus = false) {
    if (rows.length >= MAX_RULES) return;
    const which = select('which', WHICH, conditionOf(rule) ?? 'all');
    const word = h('input', { name: 'word', maxlength: 100, value: rule.word ?? '' });
    const category = h('input', { name: 'category', maxlength: 100, value: rule.category ?? '' });
    const kind = select('kind', KINDS, rule.kind);
    const wordField = field('Word', word, 'e.g. “Dreh” matches “Dreh Tatort”, not “Nachtdreh”.');
    const categoryField = field('Category', category, 'As your calendar app names it, e.g. “Arbeit”; upper or lower case alike.');
    const showCondition = () => {
      wordField.hidden = which.value !== 'word';
      word.required = which.value === 'word';
      categoryField.hidden = which.value !== 'category';
      category.required = which.value === 'category';
    };
    which.addEventListener('change', showCondition);
    showCondition();
    const legend = h('legend', {});
    const remove = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'secondary' }));
    const item = h('li', {}, h('fieldset', {}, legend, h('div', { class: 'row' }, field('Which events', which), wordField, categoryField, field('Become', kind)), remove));
    const row = {
      item,
      legend,
      remove,
      rule: () => formRule({ kind: kind.value, busyOnly: which.value === 'busy', ...(which.value === 'word' ? { word: word.value } : {}), ...(which.value === 'category' ? { category: category.value } : {}) }),
    };
    remove.addEventListener('click', () => {
      rows = rows.filter((other) => other !== row);
      item.remove();
      renumber();
      rows[0]?.item.querySelector('select')?.focus();
    });
    rows.push(row);
    list.append(item);
    renumber();
    if (focus) which.focus();
  }

  /** @param {readonly Rule[]} rules */
  function reset(rules) {
    rows = [];
    list.replaceChildren();
    for (const rule of rules.length ? rules : [{ kind: 'block' }]) addRow(rule);
  }
  reset(initial);

  const element = h('div', { class: 'rules-editor' },
    h('p', { class: 'muted' }, 'Rules are tried in order: the first rule an event matches decides what it becomes. Events no rule matches are not imported.'),
    list,
    add,
  );
  return {
    element,
    /** @returns {Rule[]} the rules as they stand, in order */
    rules: () => rows.map((row) => row.rule()),
    reset,
  };
}
