import { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { type ServedHandlers, serve } from '@sluice/testing/node';
import { http } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';

let running: ServedHandlers | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await running?.close();
  running = undefined;
});

describe('serve (node): a client that disconnects mid-body', () => {
  it('ends the wait for drain and cancels the body, so the handler finishes', async () => {
    let cancelled = false;
    const chunk = new Uint8Array(64 * 1024);
    // An endless body: the server keeps writing until the socket pushes back.
    const endless = http.get('/endless', () => {
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.enqueue(chunk),
        cancel: () => {
          cancelled = true;
        },
      });
      return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
    });
    const writeHead = vi.spyOn(ServerResponse.prototype, 'writeHead');
    running = await serve([endless]);
    const { port } = new URL(running.url);

    // A raw client that asks for the body and never reads it.
    const socket = connect(Number(port), '127.0.0.1');
    socket.pause();
    socket.write(`GET /endless HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);

    await vi.waitFor(() => expect(writeHead.mock.contexts).toHaveLength(1), { interval: 5 });
    const res = writeHead.mock.contexts[0] as ServerResponse;
    // The server is now parked waiting for 'drain'.
    await vi.waitFor(() => expect(res.listenerCount('drain')).toBe(1), { interval: 5, timeout: 4000 });

    socket.destroy();
    // Its wait ended on 'close': no listener left behind, the body stream is cancelled.
    await vi.waitFor(
      () => {
        expect(res.listenerCount('drain')).toBe(0);
        expect(cancelled).toBe(true);
      },
      { interval: 5 },
    );
    expect(res.destroyed).toBe(true);
    expect(res.writableFinished).toBe(false);
  });
});
