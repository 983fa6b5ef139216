import type { CacheEntry, CacheStore } from './store.js';

/**
 * Reads a copy of a response body into the store in the background, and records the write
 * in `pending` so that a lookup of the same key waits for it. A body larger than `maxBytes`
 * is not stored (its copy is cancelled as soon as it passes the bound); an event stream is
 * never stored (it may never end).
 */
export function storeInBackground(
  copy: Response,
  entry: Omit<CacheEntry, 'body'>,
  key: string,
  store: CacheStore,
  pending: Map<string, Promise<void>>,
  maxBytes: number,
): void {
  if (copy.headers.get('content-type')?.toLowerCase().startsWith('text/event-stream')) {
    copy.body?.cancel().catch(() => undefined);
    return;
  }
  const write = readCapped(copy, maxBytes)
    .then(async (body) => {
      if (body) await store.set(key, { ...entry, body });
    })
    .catch(() => undefined)
    .finally(() => {
      if (pending.get(key) === write) pending.delete(key);
    });
  pending.set(key, write);
}

/** The whole body, or `undefined` once it passes `maxBytes` (the rest is cancelled). */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
