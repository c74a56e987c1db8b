// A reverse proxy on a free loopback port in front of a real server (Radicale), for what the server itself will
// not do on request: count the requests a client makes, answer 503 or drop the connection instead of the server,
// or change what it answered (a rare answer such as a report cut short).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyFault = 'none' | '503' | 'drop';

export interface CountingProxy {
  /** The proxy's address with the target's path, e.g. http://127.0.0.1:PORT/actor/. */
  url(targetUrl: string): string;
  /** Method and path of every request since the last reset. */
  requests: string[];
  fault: ProxyFault;
  /** Rewrites the server's answer to a request ("METHOD /path") before the client gets it; until reset. */
  rewrite?: (request: string, body: string) => string;
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
      proxy.rewrite = undefined;
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
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host, ...(proxy.rewrite ? { 'accept-encoding': 'identity' } : {}) } },
      (answer) => {
        const rewrite = proxy.rewrite;
        if (!rewrite) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.from(rewrite(`${req.method} ${req.url}`, Buffer.concat(chunks).toString('utf8')));
          const headers = { ...answer.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': body.length }).end(body);
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
