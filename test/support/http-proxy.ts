// A reverse proxy on a free loopback port in front of a real server (Radicale), for what the server itself will
// not do on request: count the requests a client makes, answer 503 or drop the connection instead of the server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyFault = 'none' | '503' | 'drop';

export interface CountingProxy {
  /** The proxy's address with the target's path, e.g. http://127.0.0.1:PORT/actor/. */
  url(targetUrl: string): string;
  /** Method and path of every request since the last reset. */
  requests: string[];
  fault: ProxyFault;
  reset(): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const proxy: CountingProxy = {
    url: (targetUrl) => {
      const url = new URL(targetUrl);
      return `${base}${url.pathname}${url.search}`;
    },
    requests: [],
    fault: 'none',
    reset: () => {
      proxy.requests.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    proxy.requests.push(`${req.method} ${req.url}`);
    if (proxy.fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (proxy.fault === '503') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
