// The JSON API, as the signed-in browser calls it: the session cookie authenticates (the page never sees the
// token) and every change carries the CSRF header the gateway demands of cookie-authenticated changes.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Called when the session is gone (401), so the app can show the sign-in form. */
let onSignedOut = () => {};
export const whenSignedOut = (handler) => (onSignedOut = handler);

export async function api(method, url, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-castsync-csrf'] = '1';
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && !url.startsWith('/app/session')) onSignedOut();
    throw new ApiError(response.status, data?.message ?? `${method} ${url} answered ${response.status}`);
  }
  return data;
}

export const get = (url) => api('GET', url);
export const post = (url, body) => api('POST', url, body);
export const patch = (url, body) => api('PATCH', url, body);
export const del = (url) => api('DELETE', url);
