// Fetching a subscribed ICS feed from real local HTTP servers: conditional requests (a 304 costs no parse), the
// size and time limits, https only unless allowed, redirects checked again, and the failures typed like a platform's.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../adapters/error-types.js';
import { platformFailure as failure } from './support/platform-failure.js';
import { parseCalendar } from '../lib/calendars/events.js';
import { fetchIcs, refreshIcsFeed } from '../lib/ics-fetch.js';

const feed = readFileSync(path.join(import.meta.dirname, 'fixtures', 'calendars', 'google-export.ics'), 'utf8');
const ETAG = '"feed-v1"';
const LAST_MODIFIED = 'Tue, 01 Dec 2026 10:15:00 GMT';

interface Server {
  base: string;
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

async function serve(handler: http.RequestListener): Promise<Server> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let feeds: Server;
let other: Server;
const allow = ['127.0.0.1'];

beforeAll(async () => {
  feeds = await serve((req, res) => {
    const url = req.url ?? '/';
    if (url === '/basic.ics') {
      if (req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LAST_MODIFIED) {
        res.writeHead(304, { etag: ETAG }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag: ETAG, 'last-modified': LAST_MODIFIED }).end(feed);
    } else if (url === '/plain.ics') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(feed);
    } else if (url === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>');
    } else if (url === '/huge.ics') {
      // Chunked, no Content-Length: the limit has to be found while reading.
      res.writeHead(200, { 'content-type': 'text/calendar' });
      const line = 'X-FILLER:' + 'x'.repeat(1000) + '\r\n';
      let sent = 0;
      const more = () => {
        while (sent < 2000) {
          sent++;
          if (!res.write(line)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    } else if (url === '/declared-huge.ics') {
      res.writeHead(200, { 'content-type': 'text/calendar', 'content-length': String(50 * 1024 * 1024) });
      res.write('BEGIN:VCALENDAR\r\n');
    } else if (url === '/stall-body.ics') {
      res.writeHead(200, { 'content-type': 'text/calendar' });
      res.write('BEGIN:VCALENDAR\r\n'); // and never more
    } else if (url === '/stall-headers.ics') {
      // no answer at all
    } else if (url === '/private.ics') {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="calendar"' }).end('Unauthorized');
    } else if (url === '/gone.ics') {
      res.writeHead(404).end('no such calendar');
    } else if (url === '/broken.ics') {
      res.writeHead(503).end('maintenance');
    } else if (url === '/moved.ics') {
      res.writeHead(301, { location: '/basic.ics' }).end();
    } else if (url === '/loop.ics') {
      res.writeHead(302, { location: '/loop.ics' }).end();
    } else if (url === '/elsewhere.ics') {
      res.writeHead(302, { location: `${other.base.replace('127.0.0.1', 'localhost')}/basic.ics` }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  other = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/calendar' }).end(feed);
  });
});

afterAll(async () => {
  await feeds?.close();
  await other?.close();
});

describe('fetching an ICS feed', () => {
  it('parses a 200, then sends its validators back and parses nothing on the 304', async () => {
    let parses = 0;
    const parse = (text: string) => {
      parses++;
      return parseCalendar(text, { timeZone: 'Europe/Berlin', window: { from: '2027-01-01', until: '2028-01-01' } });
    };
    const first = await refreshIcsFeed(`${feeds.base}/basic.ics`, parse, { allowHttpHosts: allow });
    expect(first.notModified).toBe(false);
    if (first.notModified) return;
    expect(first.calendar.name).toBe('Lena Berger – Drehs & Proben');
    expect(first).toMatchObject({ etag: ETAG, lastModified: LAST_MODIFIED });
    expect(parses).toBe(1);

    const second = await refreshIcsFeed(`${feeds.base}/basic.ics`, parse, {
      allowHttpHosts: allow,
      previous: { etag: first.etag, lastModified: first.lastModified },
    });
    expect(second).toEqual({ notModified: true });
    expect(parses).toBe(1);
    const last = feeds.requests.at(-1);
    expect(last?.headers['if-none-match']).toBe(ETAG);
    expect(last?.headers['if-modified-since']).toBe(LAST_MODIFIED);
  });

  it('takes a feed served as application/octet-stream and refuses an HTML page', async () => {
    const plain = await fetchIcs(`${feeds.base}/plain.ics`, { allowHttpHosts: allow });
    expect(plain.notModified === false && plain.text.startsWith('BEGIN:VCALENDAR')).toBe(true);
    const html = await failure(fetchIcs(`${feeds.base}/html`, { allowHttpHosts: allow }));
    expect(html.message).toMatch(/answered text\/html, not a calendar/);
    expect(html.retryable).toBe(false);
  });

  it('stops reading a feed past the size limit, with or without a Content-Length', async () => {
    for (const name of ['huge.ics', 'declared-huge.ics']) {
      const error = await failure(fetchIcs(`${feeds.base}/${name}`, { allowHttpHosts: allow, maxBytes: 1024 * 1024 }));
      expect(error.message).toBe(`calendar feed at ${new URL(feeds.base).host} is larger than the limit of 1 MiB; not imported`);
      expect(error.type).toBe(ErrorType.client);
      expect(error.retryable).toBe(false);
    }
  });

  it('gives up on a feed that stalls, before or after its headers, with a clear timeout', async () => {
    for (const name of ['stall-headers.ics', 'stall-body.ics']) {
      const error = await failure(fetchIcs(`${feeds.base}/${name}`, { allowHttpHosts: allow, timeoutMs: 500 }));
      expect(error.type).toBe(ErrorType.timeout);
      expect(error.message).toBe(`calendar feed at ${new URL(feeds.base).host} did not send the whole feed within 0.5 s`);
    }
  });

  it('refuses plain http unless the host is allowed, before sending anything', async () => {
    const before = feeds.requests.length;
    const error = await failure(fetchIcs(`${feeds.base}/basic.ics`));
    expect(error.type).toBe(ErrorType.validation);
    expect(error.message).toMatch(/only https:\/\/ calendar feeds are allowed/);
    const ftp = await failure(fetchIcs('ftp://example.org/cal.ics'));
    expect(ftp.message).toMatch(/a ftp: address/);
    expect(feeds.requests.length).toBe(before);
  });

  it('follows a redirect on an allowed host, and refuses one to a host that is not allowed', async () => {
    const moved = await fetchIcs(`${feeds.base}/moved.ics`, { allowHttpHosts: allow });
    expect(moved.notModified).toBe(false);

    const before = other.requests.length;
    const elsewhere = await failure(fetchIcs(`${feeds.base}/elsewhere.ics`, { allowHttpHosts: allow }));
    expect(elsewhere.type).toBe(ErrorType.validation);
    expect(elsewhere.message).toMatch(/redirected to http:\/\/localhost:\d+: only https:\/\/ calendar feeds are allowed/);
    expect(other.requests.length).toBe(before);

    const loop = await failure(fetchIcs(`${feeds.base}/loop.ics`, { allowHttpHosts: allow, maxRedirects: 2 }));
    expect(loop.message).toMatch(/redirected more than 2 times/);
  });

  it('types the answers: 401 an auth error, 404 a client error, 503 a retryable server error', async () => {
    const unauthorized = await failure(fetchIcs(`${feeds.base}/private.ics`, { allowHttpHosts: allow }));
    expect(unauthorized.type).toBe(ErrorType.auth);
    expect(unauthorized.retryable).toBe(false);
    const gone = await failure(fetchIcs(`${feeds.base}/gone.ics`, { allowHttpHosts: allow }));
    expect(gone).toMatchObject({ type: ErrorType.client, retryable: false, details: { status: 404 } });
    const broken = await failure(fetchIcs(`${feeds.base}/broken.ics`, { allowHttpHosts: allow }));
    expect(broken).toMatchObject({ type: ErrorType.server, retryable: true });
  });

  it('names only the host in its messages, never the secret path or credentials of the address', async () => {
    const error = await failure(fetchIcs(`http://user:s3cret@127.0.0.1:1/private-abc123/basic.ics`, { allowHttpHosts: allow }));
    expect(error.type).toBe(ErrorType.network);
    expect(error.message).not.toMatch(/s3cret|private-abc123/);
  });

  it('sends credentials written into the address as basic auth', async () => {
    const host = new URL(feeds.base).host;
    await fetchIcs(`http://lena:app%20pass@${host}/plain.ics`, { allowHttpHosts: allow });
    expect(feeds.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('lena:app pass').toString('base64')}`);
  });
});
