// A user's calendar address may not point castsync's workers into their own network (SSRF): private, loopback,
// link-local and other special addresses are refused, as IP literals before anything is sent and as what a name
// resolves to when connecting. Hosts the operator allows (CASTSYNC_CALENDAR_HTTP_HOSTS) are exempt.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import { feedUrl, fetchIcs } from '../lib/ics-fetch.js';
import { isNonPublicAddress } from '../lib/public-address.js';

let server: http.Server;
let port: number;
let requests = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'text/calendar' }).end('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('public addresses only', () => {
  it('tells private, loopback, link-local and special addresses from public ones', () => {
    for (const address of ['10.0.0.1', '127.0.0.1', '169.254.169.254', '172.16.5.4', '192.168.1.1', '100.64.0.1', '0.0.0.0', '::1', '[::1]', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1']) {
      expect(isNonPublicAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', 'calendar.google.com']) {
      expect(isNonPublicAddress(address), address).toBe(false);
    }
  });

  it('refuses an IP literal in a private range before sending anything, unless the host is allowed', () => {
    for (const address of ['https://10.1.2.3/secret/basic.ics', 'https://[::1]/basic.ics', 'webcal://169.254.169.254/latest']) {
      const error = (() => {
        try {
          feedUrl(address, []);
        } catch (thrown) {
          return thrown as PlatformError;
        }
      })();
      expect(error, address).toBeInstanceOf(PlatformError);
      expect(error!.type).toBe(ErrorType.validation);
      expect(error!.message).toMatch(/which is not a public address: castsync reads calendar feeds on the public internet only$/);
      expect(error!.message).not.toContain('secret');
    }
    expect(feedUrl('http://127.0.0.1:8080/a.ics', ['127.0.0.1']).host).toBe('127.0.0.1:8080');
  });

  it('refuses a name that resolves to a loopback address, without connecting, unless the host is allowed', async () => {
    const error = await fetchIcs(`https://localhost:${port}/secret/basic.ics`).then(
      () => undefined,
      (thrown: unknown) => thrown as PlatformError,
    );
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ type: ErrorType.validation, retryable: false });
    expect(error!.message).toBe(`calendar feed at localhost:${port} is not on a public address: castsync reads calendar feeds on the public internet only`);
    expect(requests).toBe(0);

    const allowed = await fetchIcs(`http://localhost:${port}/basic.ics`, { allowHttpHosts: ['localhost'] });
    expect(allowed).toMatchObject({ notModified: false });
    expect(requests).toBe(1);
  });
});
