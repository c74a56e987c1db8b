// @ts-check
// The JSON API, as the signed-in browser calls it: the session cookie authenticates (the page never sees the
// token) and every change carries the CSRF header the gateway demands of cookie-authenticated changes.

const CSRF_HEADER = 'x-castsync-csrf';

export class ApiError extends Error {
  /**
   * @param {number} status the HTTP status (0: no answer)
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Called when the session is gone (401), so the app can show the sign-in form. */
let onSignedOut = () => {};
/** @param {() => void} handler */
export const whenSignedOut = (handler) => (onSignedOut = handler);

/**
 * One JSON request; answers the parsed body (null for 204), or throws ApiError with the API's message.
 * The answer is typed by the caller (JSDoc), as the API's schemas describe it.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, url, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers[CSRF_HEADER] = '1';
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

/**
 * Sends a multipart form with XMLHttpRequest, because fetch reports no upload progress. onProgress gets the share
 * sent so far (0 to 1). Answers the parsed JSON, or throws ApiError with the API's message, like api().
 * @param {string} url
 * @param {FormData} form
 * @param {(share: number) => void} onProgress
 * @returns {Promise<any>}
 */
export function upload(url, form, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('accept', 'application/json');
    request.setRequestHeader(CSRF_HEADER, '1');
    request.responseType = 'json';
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.upload.onload = () => onProgress(1);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) return resolve(request.response);
      if (request.status === 401) onSignedOut();
      reject(new ApiError(request.status, request.response?.message ?? `POST ${url} answered ${request.status}`));
    };
    request.onerror = () => reject(new ApiError(0, 'the upload was interrupted; check the connection and try again'));
    request.send(form);
  });
}

/** @param {string} url */
export const get = (url) => api('GET', url);
/** @param {string} url @param {unknown} [body] */
export const post = (url, body) => api('POST', url, body);
/** @param {string} url @param {unknown} body */
export const patch = (url, body) => api('PATCH', url, body);
/** @param {string} url @param {unknown} body */
export const put = (url, body) => api('PUT', url, body);
/** @param {string} url */
export const del = (url) => api('DELETE', url);
