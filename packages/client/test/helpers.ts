import type { SetupServer } from 'msw/node';
import { HttpResponse, http } from 'msw';

/** What the echo endpoint reports about the request it got. */
export interface Echo {
  method: string;
  url: string;
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  contentType: string | null;
  text?: string;
  form?: Array<[string, string | { name: string; type: string; size: number; text: string }]>;
}

export const BASE = 'https://api.test/v1';

/** Echoes every request under https://api.test/ back as JSON. */
export const echoHandler = http.all('https://api.test/*', async ({ request }) => {
  const url = new URL(request.url);
  const contentType = request.headers.get('content-type');
  const echo: Echo = {
    method: request.method,
    url: request.url,
    path: url.pathname,
    query: [...url.searchParams.entries()],
    headers: Object.fromEntries(request.headers.entries()),
    contentType,
  };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await request.formData();
    echo.form = [];
    for (const [name, value] of form.entries()) {
      echo.form.push([
        name,
        typeof value === 'string' ? value : { name: value.name, type: value.type, size: value.size, text: await value.text() },
      ]);
    }
  } else if (request.body) {
    echo.text = await request.text();
  }
  return HttpResponse.json(echo);
});

/** A deferred promise. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Settles only when `signal` aborts; for handlers that must hang until a timeout. */
export function untilAborted(signal: AbortSignal): Promise<Response> {
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(HttpResponse.error()), { once: true });
  });
}

/** A retry sleep that returns at once, for deterministic and fast tests. */
export const noSleep = async (): Promise<void> => {};

/** Serves GET /slow on `server`: resolves the returned promise when the request arrives, then hangs until it is aborted. */
export function hangUntilAborted(server: SetupServer): Promise<void> {
  const arrived = deferred();
  server.use(
    http.get(`${BASE}/slow`, ({ request }) => {
      arrived.resolve();
      return untilAborted(request.signal);
    }),
  );
  return arrived.promise;
}
