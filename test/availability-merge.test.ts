// The pull's decisions (activities/availability-merge.ts) without a database: the seed's Conflict Resolution
// rules case by case, and a property over random calendars on both sides.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planMerge, type MergeInput, type MergePlan, type OpenConflict, type OurEntry } from '../activities/availability-merge.js';
import { toPortalEntry, fromPortalRow } from '../adapters/browser/calendar-entries.js';
import type { PlatformAvailabilityItem } from '../adapters/types.js';

const rest = { id: 'etalenta', name: 'e-TALENTA', kind: 'rest' as const };
const browser = { id: 'filmmakers', name: 'Filmmakers', kind: 'browser' as const };

function ours(id: string, fields: Partial<OurEntry> = {}): OurEntry {
  return {
    id, startDate: '2027-03-01', endDate: '2027-03-02', status: 'unavailable', type: 'block', optionRank: null, optionHolder: null, note: null,
    version: 1, source: 'castsync', deleted: false, confirmedVersion: 1, externalId: `ext-${id}`, ...fields,
  };
}

/** How the platform shows one of our entries, as confirmed. */
function shownAs(entry: OurEntry, fields: Partial<PlatformAvailabilityItem> = {}): PlatformAvailabilityItem {
  const { id, startDate, endDate, status, type, optionRank, optionHolder, note } = entry;
  return { externalId: entry.externalId ?? `ext-${id}`, ourId: id, startDate, endDate, status, type, optionRank, optionHolder, note, ...fields };
}

function platformMade(externalId: string, fields: Partial<PlatformAvailabilityItem> = {}): PlatformAvailabilityItem {
  return { externalId, ourId: null, startDate: '2027-08-01', endDate: '2027-08-03', status: 'unavailable', type: 'booking', optionRank: null, optionHolder: 'Tatort', note: null, ...fields };
}

const merge = (input: Partial<MergeInput>) => planMerge({ platform: rest, ours: [], pulled: [], openConflicts: [], ...input });

describe('merge decisions', () => {
  it('imports a booking made on the platform, once', () => {
    const plan = merge({ pulled: [platformMade('et_1')] });
    expect(plan.imports.map((i) => i.item.externalId)).toEqual(['et_1']);
    expect(plan.imports[0]!.message).toMatch(/New on e-TALENTA: booking for Tatort, 2027-08-01 – 2027-08-03.*confirm it or change it/);
    expect(plan.conflicts).toEqual([]);
    expect(plan.pushThisPlatform).toBe(false);

    const imported = ours('imp-1', { source: 'etalenta', externalId: 'et_1' });
    const again = merge({ ours: [imported], pulled: [platformMade('et_1')] });
    expect(again.imports).toEqual([]);
    expect(again.outcomes).toEqual([{ externalId: 'et_1', outcome: 'matched', reason: 'imported_before' }]);
  });

  it('still recognizes an import the user deleted since, and imports a hold (tentative) too', () => {
    const deleted = ours('imp-1', { source: 'etalenta', externalId: 'et_1', deleted: true });
    const plan = merge({ ours: [deleted], pulled: [platformMade('et_1'), platformMade('et_2', { status: 'tentative', optionRank: 2, startDate: '2027-09-01', endDate: '2027-09-01' })] });
    expect(plan.imports.map((i) => i.item.externalId)).toEqual(['et_2']);
  });

  it('does not import free days', () => {
    const plan = merge({ pulled: [platformMade('et_free', { status: 'available', type: 'block' })] });
    expect(plan.imports).toEqual([]);
    expect(plan.outcomes[0]).toMatchObject({ outcome: 'ignored', reason: 'free' });
  });

  it('skips a platform-made block over one of our entries with an already_blocked warning', () => {
    const mine = ours('a', { startDate: '2027-08-02', endDate: '2027-08-05', confirmedVersion: null });
    const plan = merge({ ours: [mine], pulled: [platformMade('et_9', { type: 'block', optionHolder: null })] });
    expect(plan.imports).toEqual([]);
    expect(plan.conflicts).toEqual([
      expect.objectContaining({ kind: 'already_blocked', availabilityId: 'a', externalId: 'et_9', theirs: expect.objectContaining({ externalId: 'et_9' }) }),
    ]);
    expect(plan.conflicts[0]!.message).toMatch(/2027-08-01 – 2027-08-03 is already blocked on e-TALENTA/);
    // Open already: nothing new.
    const again = merge({ ours: [mine], pulled: [platformMade('et_9')], openConflicts: [{ kind: 'already_blocked', externalId: 'et_9', availabilityId: 'a' }] });
    expect(again.conflicts).toEqual([]);
    expect(again.imports).toEqual([]);
  });

  it('opens differs for a changed entry of ours and asks for a push; not twice', () => {
    const mine = ours('a', { status: 'tentative', type: 'booking', optionRank: 1, optionHolder: 'Soko' });
    for (const change of [{ startDate: '2027-03-02' }, { status: 'unavailable' as const }, { type: 'travel' as const }, { optionRank: 2 }, { optionHolder: 'Tatort' }]) {
      const plan = merge({ ours: [mine], pulled: [shownAs(mine, change)] });
      expect(plan.conflicts, JSON.stringify(change)).toEqual([expect.objectContaining({ kind: 'differs', availabilityId: 'a', ours: expect.objectContaining({ id: 'a' }), theirs: expect.objectContaining(change) })]);
      expect(plan.pushThisPlatform).toBe(true);
    }
    const open: OpenConflict[] = [{ kind: 'differs', externalId: 'ext-a', availabilityId: 'a' }];
    const again = merge({ ours: [mine], pulled: [shownAs(mine, { optionRank: 3 })], openConflicts: open });
    expect(again.conflicts).toEqual([]);
    expect(again.pushThisPlatform).toBe(true);
  });

  it('opens differs with theirs null for an entry of ours the platform no longer shows', () => {
    const plan = merge({ ours: [ours('a')] });
    expect(plan.conflicts).toEqual([expect.objectContaining({ kind: 'differs', availabilityId: 'a', externalId: 'ext-a', theirs: null })]);
    expect(plan.conflicts[0]!.message).toMatch(/no longer shows your entry/);
    expect(plan.pushThisPlatform).toBe(true);
  });

  it('leaves alone what a push has still to do: deleted, changed since, never confirmed; and matches the same', () => {
    const same = ours('same');
    const deleted = ours('gone', { deleted: true });
    const changed = ours('changed', { version: 2, confirmedVersion: 1 });
    const fresh = ours('fresh', { confirmedVersion: null, externalId: null });
    const plan = merge({ ours: [same, deleted, changed, fresh], pulled: [shownAs(same), shownAs(deleted), shownAs(changed, { startDate: '2027-02-01' })] });
    expect(plan.conflicts).toEqual([]);
    expect(plan.imports).toEqual([]);
    expect(plan.pushThisPlatform).toBe(false);
    expect(plan.outcomes.map((o) => ('reason' in o ? o.reason : o.outcome))).toEqual(['same', 'ours_deleted', 'push_pending']);
  });

  it('never holds an entry imported from this platform against it as ours', () => {
    const imported = ours('imp', { source: 'etalenta', externalId: 'et_1' });
    const plan = merge({ ours: [imported], pulled: [] });
    expect(plan.conflicts).toEqual([]);
  });

  it('matches browser rows by the 8-character marker and compares what a portal can show', () => {
    const id = '3f2a9c1e-0000-4000-8000-000000000001';
    const mine = ours(id, { status: 'tentative', type: 'booking', optionRank: 1, optionHolder: 'Soko', note: 'call first' });
    const row = { externalId: 'fm_1', ...toPortalEntry(mine) };
    const pulledRow = fromPortalRow(row);
    expect(pulledRow.ourId).toBe('3f2a9c1e');
    const same = planMerge({ platform: browser, ours: [mine], pulled: [pulledRow], openConflicts: [] });
    expect(same.outcomes).toEqual([{ externalId: 'fm_1', outcome: 'matched', reason: 'same' }]);
    const moved = planMerge({ platform: browser, ours: [mine], pulled: [fromPortalRow({ ...row, to: '2027-03-09' })], openConflicts: [] });
    expect(moved.conflicts).toEqual([expect.objectContaining({ kind: 'differs', availabilityId: id })]);
    const otherHolder = planMerge({ platform: browser, ours: [mine], pulled: [fromPortalRow({ ...row, comment: row.comment.replace('Soko', 'Tatort') })], openConflicts: [] });
    expect(otherHolder.conflicts).toHaveLength(1);
  });
});

// ---- property ----

const DAY0 = Date.UTC(2027, 0, 1);
const day = (n: number) => new Date(DAY0 + n * 86_400_000).toISOString().slice(0, 10);

const arbRange = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 })).map(([start, length]) => ({ startDate: day(start), endDate: day(start + length) }));
const arbStatus = fc.constantFrom('available' as const, 'unavailable' as const, 'tentative' as const);
const arbType = fc.constantFrom('booking' as const, 'block' as const, 'travel' as const);

/** Our entries, each with a push state, and how the platform shows each (same, changed, missing, duplicated). */
const arbWorld = fc
  .record({
    ours: fc.array(
      fc.record({
        range: arbRange,
        status: arbStatus,
        type: arbType,
        deleted: fc.boolean(),
        confirmation: fc.constantFrom('confirmed', 'pending', 'never'),
        onPlatform: fc.constantFrom('same', 'changed', 'missing', 'twice'),
      }),
      { maxLength: 8 },
    ),
    platformMade: fc.array(fc.record({ range: arbRange, status: arbStatus, type: arbType }), { maxLength: 8 }),
    foreignRefs: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ ours: ourSpecs, platformMade: made, foreignRefs }) => {
    const entries: OurEntry[] = ourSpecs.map((spec, i) =>
      ours(`our-${i}`, {
        ...spec.range, status: spec.status, type: spec.type, deleted: spec.deleted, version: 2,
        confirmedVersion: spec.confirmation === 'confirmed' ? 2 : spec.confirmation === 'pending' ? 1 : null,
        externalId: spec.confirmation === 'never' ? null : `ext-our-${i}`,
      }),
    );
    const pulled: PlatformAvailabilityItem[] = [];
    ourSpecs.forEach((spec, i) => {
      const entry = entries[i]!;
      if (spec.confirmation === 'never' || spec.onPlatform === 'missing') return;
      pulled.push(shownAs(entry, spec.onPlatform === 'changed' ? { endDate: day(60) } : {}));
      if (spec.onPlatform === 'twice') pulled.push(shownAs(entry, { externalId: `dup-our-${i}` }));
    });
    made.forEach((spec, i) => pulled.push(platformMade(`made-${i}`, { ...spec.range, status: spec.status, type: spec.type })));
    for (let i = 0; i < foreignRefs; i += 1) pulled.push(platformMade(`foreign-${i}`, { ourId: `unknown-${i}` }));
    return { ours: entries, pulled };
  });

/** What the database holds after a plan is written (the activity's writes, in memory). */
function apply(world: { ours: OurEntry[] }, open: OpenConflict[], plan: MergePlan) {
  const importedEntries = plan.imports.map((imp, i) =>
    ours(`imported-${world.ours.length + i}-${imp.item.externalId}`, { ...imp.item, source: rest.id, externalId: imp.item.externalId, confirmedVersion: 1, optionRank: imp.item.optionRank ?? null, optionHolder: imp.item.optionHolder ?? null, note: imp.item.note ?? null }),
  );
  const opened: OpenConflict[] = [
    ...plan.imports.map((imp, i) => ({ kind: 'platform_booking', externalId: imp.item.externalId, availabilityId: importedEntries[i]!.id })),
    ...plan.conflicts.map((c) => ({ kind: c.kind, externalId: c.externalId, availabilityId: c.availabilityId })),
  ];
  return { ours: [...world.ours, ...importedEntries], open: [...open, ...opened] };
}

const conflictKey = (c: OpenConflict) => (c.kind === 'differs' ? `differs:${c.availabilityId}` : `${c.kind}:${c.externalId}`);

describe('merge property', () => {
  it('every pulled entry ends matched, imported once, or in exactly one open conflict; a second pull adds nothing', () => {
    fc.assert(
      fc.property(arbWorld, (world) => {
        const first = planMerge({ platform: rest, ours: world.ours, pulled: world.pulled, openConflicts: [] });
        expect(first.outcomes).toHaveLength(world.pulled.length);
        const after = apply(world, [], first);

        // Nothing imported twice, no conflict opened twice.
        const importedIds = first.imports.map((i) => i.item.externalId);
        expect(new Set(importedIds).size).toBe(importedIds.length);
        const keys = after.open.map(conflictKey);
        expect(new Set(keys).size).toBe(keys.length);

        for (const [index, outcome] of first.outcomes.entries()) {
          const item = world.pulled[index]!;
          expect(outcome.externalId).toBe(item.externalId);
          if (outcome.outcome === 'import') expect(importedIds.filter((id) => id === item.externalId)).toHaveLength(1);
          if (outcome.outcome === 'conflict') {
            const key = outcome.kind === 'differs' ? `differs:${item.ourId}` : `${outcome.kind}:${item.externalId}`;
            expect(keys.filter((k) => k === key)).toHaveLength(1);
          }
          // Only free days and references to entries we never had are passed over.
          if (outcome.outcome === 'ignored') expect(item.status === 'available' || item.ourId?.startsWith('unknown-')).toBe(true);
          // A platform-made booking or hold is either imported or in a conflict.
          if (item.ourId === null && item.status !== 'available') expect(['import', 'conflict']).toContain(outcome.outcome);
        }

        // The same pull again, against the state the first one left: nothing new at all.
        const second = planMerge({ platform: rest, ours: after.ours, pulled: world.pulled, openConflicts: after.open });
        expect(second.imports).toEqual([]);
        expect(second.conflicts).toEqual([]);
        expect(second.outcomes.map((o) => o.outcome).filter((o) => o === 'import')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
