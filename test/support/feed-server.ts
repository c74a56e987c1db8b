// A local HTTP server for calendar feeds, as Google or an agency tool serves them: each path answers its document
// with an ETag (and a 304 when If-None-Match names it), and can be made too large, too slow or to refuse access.
// It counts what it was asked, so a test can prove that an unchanged feed cost a 304 and nothing more.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FeedBehaviour =
  | { kind: 'calendar'; text: string }
  /** Sends `bytes` bytes of a calendar without a Content-Length (chunked), so only the streamed size gives it away. */
  | { kind: 'huge'; bytes: number }
  /** Sends the start of the calendar, then nothing more for `stallMs`. */
  | { kind: 'stall'; stallMs: number }
  | { kind: 'status'; status: number };

export interface FeedServer {
  url: string;
  /** host:port, as the API shows a feed's host. */
  host: string;
  set(path: string, behaviour: FeedBehaviour): void;
  /** Requests for this path, and how many of them were answered 304. */
  requests(path: string): number;
  notModified(path: string): number;
  stop(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const feeds = new Map<string, FeedBehaviour>();
  const asked = new Map<string, number>();
  const unchanged = new Map<string, number>();
  const stalled = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://feed').pathname;
    asked.set(path, (asked.get(path) ?? 0) + 1);
    const feed = feeds.get(path);
    if (!feed) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    switch (feed.kind) {
      case 'status':
        return void res.writeHead(feed.status, { 'content-type': 'text/plain' }).end('access denied');
      case 'huge': {
        res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8' });
        const line = 'X-FILLER:' + 'x'.repeat(1000) + '\r\n';
        res.write('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n');
        for (let sent = 0; sent < feed.bytes; sent += line.length) res.write(line);
        return void res.end('END:VCALENDAR\r\n');
      }
      case 'stall': {
        res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8' });
        res.write('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n');
        const timer = setTimeout(() => {
          stalled.delete(timer);
          res.end('END:VCALENDAR\r\n');
        }, feed.stallMs);
        stalled.add(timer);
        return;
      }
      case 'calendar': {
        const etag = `"${createHash('sha256').update(feed.text).digest('hex').slice(0, 16)}"`;
        if (req.headers['if-none-match'] === etag) {
          unchanged.set(path, (unchanged.get(path) ?? 0) + 1);
          return void res.writeHead(304, { etag }).end();
        }
        return void res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag }).end(feed.text);
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    set: (path, behaviour) => void feeds.set(path, behaviour),
    requests: (path) => asked.get(path) ?? 0,
    notModified: (path) => unchanged.get(path) ?? 0,
    async stop() {
      for (const timer of stalled) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
