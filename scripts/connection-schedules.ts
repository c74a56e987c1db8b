// Queues, for every connected connection, the outbox message that makes its schedules (pull, reconcile) match its
// settings: run once after upgrading to a version with a new kind of schedule (npm run schedules:sync), so
// connections made before it get theirs. The relay delivers the rows; running it twice does no harm.
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
    return connections.length;
  } finally {
    await db.$disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const queued = await queueConnectionSchedules(loadConfigOrExit().databaseUrl);
  console.log(`queued the schedules of ${queued} connections; the outbox relay creates them`);
}
