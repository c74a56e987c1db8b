// Queues, for every connected connection, the outbox message that makes its schedules (pull, reconcile) match its
// settings, and for every calendar source the one that makes its refresh schedule match: run once after upgrading
// to a version with a new kind of schedule, or after changing CASTSYNC_CALENDAR_REFRESH_MINUTES (npm run
// schedules:sync), so what was made before gets its schedule as it should be now. The relay delivers the rows;
// running it twice does no harm.
import { loadConfigOrExit } from '../lib/config.js';
import { createDb } from '../lib/db.js';
import { addToOutbox } from '../lib/outbox.js';

export async function queueConnectionSchedules(databaseUrl: string): Promise<number> {
  const db = createDb(databaseUrl);
  try {
    const connections = await db.platformConnection.findMany({ where: { connected: true }, select: { userId: true, platformId: true } });
    for (const { userId, platformId } of connections) {
      await db.$transaction((tx) => addToOutbox(tx, userId, [{ topic: 'pull_schedule', platformId }]));
    }
    const sources = await db.calendarSource.findMany({ select: { userId: true, id: true } });
    for (const { userId, id } of sources) {
      await db.$transaction((tx) => addToOutbox(tx, userId, [{ topic: 'calendar_schedule', sourceId: id }]));
    }
    return connections.length + sources.length;
  } finally {
    await db.$disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const queued = await queueConnectionSchedules(loadConfigOrExit().databaseUrl);
  console.log(`queued the schedules of ${queued} connections and calendar sources; the outbox relay creates them`);
}
