// Request bodies have a time limit (api/body-deadline.ts), seen through a real TCP connection to the listening
// gateway (inject cannot send a body that never ends): an endless or stalled upload answers 408 within the
// limit, its connection is closed, the staged file is removed and no file descriptor stays open; the same when the
// client goes away mid-upload; a JSON body that never completes gets 408 within the general limit.
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, image } from './support/media-files.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const BODY_TIMEOUT_MS = 800;
const UPLOAD_TIMEOUT_MS = 1500;

let stack: Stack;
let dataDir: string;
let user: TestUser;
let port: number;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'castsync-timeouts-'));
  stack = await startStack({
    restPlatforms: [],
    workers: false,
    env: { CASTSYNC_DATA_DIR: dataDir, CASTSYNC_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS), CASTSYNC_UPLOAD_TIMEOUT_MS: String(UPLOAD_TIMEOUT_MS) },
  });
  user = await stack.createUser();
  await stack.app.listen({ host: '127.0.0.1', port: 0 });
  port = (stack.app.server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * Descriptors this process holds open on the media folder (staged uploads among them). Counting all of them would
 * also count the database pool's and Temporal's sockets, which come and go on their own.
 */
async function openDescriptors(): Promise<number> {
  const targets = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((target) => target.startsWith(stack.config.mediaDir)).length;
}
const staged = () => filesUnder(path.join(stack.config.mediaDir, 'tmp'));

interface Exchange {
  socket: net.Socket;
  /** Resolves with everything the server sent once it closed the connection. */
  answer: Promise<{ text: string; afterMs: number }>;
}

/** Opens a connection and sends the request head; the body is up to the caller. */
function open(head: string): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      resolve({ socket, answer });
    });
    let text = '';
    let firstAnswerMs = 0;
    socket.on('data', (chunk) => {
      firstAnswerMs ||= Date.now() - started;
      text += chunk.toString('latin1');
    });
    const answer = new Promise<{ text: string; afterMs: number }>((done) => socket.on('close', () => done({ text, afterMs: firstAnswerMs })));
    socket.on('error', () => {}); // the server may reset a connection it closed while we were still writing
    socket.once('error', reject);
  });
}

const boundary = '----castsynctimeout';
function uploadHead(contentLength: number) {
  return [
    'POST /api/media HTTP/1.1',
    'host: 127.0.0.1',
    `authorization: Bearer ${user.token}`,
    `content-type: multipart/form-data; boundary=${boundary}`,
    `content-length: ${contentLength}`,
    '',
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="endless.png"\r\ncontent-type: image/png\r\n\r\n`,
  ].join('\r\n');
}

/** Writes a chunk every 50 ms until the connection closes. */
function keepSending(socket: net.Socket, chunk: Buffer) {
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) return clearInterval(timer);
    socket.write(chunk);
  }, 50);
  socket.on('close', () => clearInterval(timer));
}

async function settled(descriptorsBefore: number) {
  await waitFor(async () => (await staged()).length === 0 && (await openDescriptors()) <= descriptorsBefore, { what: 'the staged file removed and its descriptor closed', timeoutMs: 5000 });
}

describe('body time limits on a real connection', () => {
  it('answers an endless upload with 408 within its limit, closes the connection, and leaves no staged file or descriptor', async () => {
    const png = await image(50, 50, 'png');
    const before = await openDescriptors();
    const { socket, answer } = await open(uploadHead(10 ** 9));
    socket.write(png);
    keepSending(socket, Buffer.alloc(16 * 1024, 1));
    await waitFor(async () => (await staged()).length === 1, { what: 'the upload staged', timeoutMs: 3000 });
    expect(await openDescriptors()).toBeGreaterThan(before); // the staged file is open while the body streams in

    const { text, afterMs } = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(text).toContain(`"message":"the request body did not arrive within ${UPLOAD_TIMEOUT_MS} ms"`);
    expect(afterMs).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
    expect(afterMs).toBeLessThan(UPLOAD_TIMEOUT_MS + 1500);
    await settled(before);
    expect(await stack.db.media.count({ where: { userId: user.id } })).toBe(0);
    expect(await filesUnder(path.join(stack.config.mediaDir, 'objects'))).toEqual([]);
  });

  it('answers 408 to an upload that stalls (the client stops sending but keeps the connection)', async () => {
    const before = await openDescriptors();
    const { socket, answer } = await open(uploadHead(1_000_000));
    socket.write(Buffer.alloc(1000, 2));
    const { text, afterMs } = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeLessThan(UPLOAD_TIMEOUT_MS + 1500);
    await settled(before);
  });

  it('removes the staged file and closes its descriptor when the client goes away mid-upload', async () => {
    const before = await openDescriptors();
    const { socket } = await open(uploadHead(10 ** 9));
    socket.write(Buffer.alloc(64 * 1024, 3));
    await waitFor(async () => (await staged()).length === 1, { what: 'the upload staged', timeoutMs: 3000 });
    socket.destroy();
    await settled(before);
  });

  it('gives any other body the general limit: a JSON body that never completes gets 408', async () => {
    const { socket, answer } = await open(
      ['POST /api/availability HTTP/1.1', 'host: 127.0.0.1', `authorization: Bearer ${user.token}`, 'content-type: application/json', 'content-length: 5000', '', '{"startDate":'].join('\r\n'),
    );
    keepSending(socket, Buffer.from(' '));
    const { text, afterMs } = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain(`within ${BODY_TIMEOUT_MS} ms`);
    expect(afterMs).toBeLessThan(BODY_TIMEOUT_MS + 1500);
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(0);
  });

  it('lets a complete upload through on the same listening gateway', async () => {
    const png = await image(40, 40, 'png');
    const body = Buffer.concat([png, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const head = uploadHead(0);
    const headerEnd = head.indexOf('\r\n\r\n') + 4;
    const part = head.slice(headerEnd);
    const length = Buffer.byteLength(part) + body.length;
    const { socket, answer } = await open(uploadHead(length).replace('\r\nhost:', '\r\nconnection: close\r\nhost:'));
    socket.write(body);
    const { text } = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 201 /);
  });
});
