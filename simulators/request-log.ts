// The simulators log each request once it was answered (to know its status), with the time it arrived: a client may
// read the answer and go on (a push attempt closes its sync-log row) before the simulator's onResponse hook runs,
// and tests compare these times with what the client recorded.
import type { FastifyReply } from 'fastify';

/** When the request being answered arrived, in epoch milliseconds (Fastify times each request from its arrival). */
export const arrivedAt = (reply: FastifyReply): number => Date.now() - reply.elapsedTime;
