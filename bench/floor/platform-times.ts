// Which platform of the 4-platform variant finishes last, and why: for the changes made one at a time, each
// platform's push attempt that carried the change (the first one started after it was written), from the SyncLog.
import type { Db } from '../../lib/db.js';
import { quantile } from '../support.js';

export async function printPlatformTimes(db: Db, userId: string, variantName: string) {
  const [changes, attempts] = await Promise.all([
    db.availability.findMany({ where: { userId }, select: { createdAt: true }, orderBy: { createdAt: 'asc' } }),
    db.syncLog.findMany({
      where: { userId, operation: 'push_availability', status: 'success', finishedAt: { not: null } },
      select: { platformId: true, startedAt: true, finishedAt: true, durationMs: true },
      orderBy: { startedAt: 'asc' },
    }),
  ]);
  const rows = new Map<string, { start: number[]; duration: number[]; finish: number[] }>();
  const last = new Map<string, number>();
  for (const { createdAt } of changes) {
    const at = createdAt.getTime();
    let lastId: string | undefined;
    let lastFinish = -Infinity;
    for (const platformId of new Set(attempts.map((a) => a.platformId))) {
      const attempt = attempts.find((a) => a.platformId === platformId && a.startedAt.getTime() >= at);
      if (!attempt) continue;
      const row = rows.get(platformId) ?? { start: [], duration: [], finish: [] };
      const finish = attempt.finishedAt!.getTime() - at;
      row.start.push(attempt.startedAt.getTime() - at);
      row.duration.push(attempt.durationMs ?? 0);
      row.finish.push(finish);
      rows.set(platformId, row);
      if (finish > lastFinish) [lastFinish, lastId] = [finish, platformId];
    }
    if (lastId) last.set(lastId, (last.get(lastId) ?? 0) + 1);
  }
  console.log(`\n${variantName}, changes one at a time: each platform's attempt that carried the change (SyncLog), p50 in ms after the change was written\n`);
  console.log('| platform | attempt started | attempt took | attempt finished | finished last |\n|---|---|---|---|---|');
  for (const [platformId, r] of rows) {
    const p = (values: number[]) => quantile(values, 0.5).toFixed(0);
    console.log(`| ${platformId} | ${p(r.start)} | ${p(r.duration)} | ${p(r.finish)} | ${last.get(platformId) ?? 0} of ${r.finish.length} |`);
  }
}

/**
 * The bursts' push attempts per platform: the largest burst's (attempts more than 2 s apart belong to different
 * turns), how many and over how long, so a platform that paces the burst shows.
 */
export async function printBurstAttempts(db: Db, userIds: string[], variantName: string) {
  const attempts = await db.syncLog.findMany({
    where: { userId: { in: userIds }, operation: 'push_availability' },
    select: { platformId: true, startedAt: true, finishedAt: true },
    orderBy: { startedAt: 'asc' },
  });
  console.log(`\n${variantName}, the largest burst: push attempts per platform\n`);
  console.log('| platform | attempts | first start to last finish | attempts/s |\n|---|---|---|---|');
  for (const platformId of new Set(attempts.map((a) => a.platformId))) {
    const bursts: (typeof attempts)[] = [];
    for (const a of attempts.filter((x) => x.platformId === platformId)) {
      const current = bursts.at(-1);
      if (current && a.startedAt.getTime() - current.at(-1)!.startedAt.getTime() < 2000) current.push(a);
      else bursts.push([a]);
    }
    const largest = bursts.reduce((a, b) => (b.length > a.length ? b : a));
    const seconds = (Math.max(...largest.map((a) => (a.finishedAt ?? a.startedAt).getTime())) - largest[0]!.startedAt.getTime()) / 1000;
    console.log(`| ${platformId} | ${largest.length} | ${seconds.toFixed(1)} s | ${(largest.length / seconds).toFixed(1)} |`);
  }
}
