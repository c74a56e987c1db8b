// A method no route has on a path that exists answers 405 with the Allow header (RFC 9110), not 404: the path is
// right, the method is not. Fastify only knows "no route"; the routes seen at registration tell the two apart.
import type { FastifyInstance } from 'fastify';

interface KnownPath {
  pattern: RegExp;
  /** Path parameters and wildcards: of the paths a URL matches, the one with fewest is the resource it names. */
  variables: number;
  methods: Set<string>;
}

export function answerMethodNotAllowed(app: FastifyInstance) {
  const paths = new Map<string, KnownPath>();
  app.addHook('onRoute', (route) => {
    const known = paths.get(route.url) ?? { pattern: patternOf(route.url), variables: variablesOf(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) known.methods.add(method.toUpperCase());
    paths.set(route.url, known);
  });
  // onRequest, before Fastify reads a body it would then refuse for other reasons.
  app.addHook('onRequest', async (request, reply) => {
    // A wildcard route (the dashboard's files under /app/*) also catches a named path's other methods:
    // GET /app/signup names the sign-up, which takes POST, not a file. CORS preflights (OPTIONS under /codec/*)
    // are for the named paths by design.
    const wildcard = !request.is404 && request.routeOptions.url?.includes('*') && request.method !== 'OPTIONS';
    if (!request.is404 && !wildcard) return;
    const path = request.url.split('?')[0]!;
    const matches = [...paths.values()].filter((known) => known.pattern.test(path));
    if (matches.length === 0) return;
    // "/api/availability/ics-token" also matches "/api/availability/:id", but names the ICS secret, not an entry.
    const fewest = Math.min(...matches.map((known) => known.variables));
    const allowed = new Set(matches.filter((known) => known.variables === fewest).flatMap((known) => [...known.methods]));
    if (allowed.has(request.method)) return;
    const allow = [...allowed].sort().join(', ');
    return reply
      .code(405)
      .header('allow', allow)
      .send({ statusCode: 405, error: 'Method Not Allowed', message: `${request.method} is not allowed here; use ${allow}` });
  });
}

function variablesOf(url: string): number {
  return url.split('/').filter((segment) => segment === '*' || segment.startsWith(':')).length;
}

/** A route URL ("/api/media/:id/file", "/app/*") as a regular expression for request paths. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment === '*' ? '.*' : segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
