/**
 * The in-memory overhead contenders. Every one calls the same terminal `fetch`, which
 * answers at once with a ready `{"ok":true}` JSON `Response`, and reads the JSON body.
 * Each is set up the way its documentation shows for an API client: a base URL, the
 * library's retry where it has one, and a deadline where it has one.
 */

/** The base URL every contender is given; nothing listens there (the terminal is in memory). */
export const BASE_URL = 'https://api.example.test/v1/';
/** The one URL requested. */
export const URL_ITEMS = `${BASE_URL}items`;

const BODY = '{"ok":true}';
const INIT: ResponseInit = { status: 200, headers: { 'content-type': 'application/json' } };

/** The shared terminal: a fresh, ready JSON response per call (a body is read only once). */
export function terminal(_input: RequestInfo | URL, _init?: RequestInit): Promise<Response> {
  return Promise.resolve(new Response(BODY, INIT));
}

/** Sequential awaited calls per timed sample, the same for every contender (see child.ts). */
export const BATCH = 64;

/** One request through a contender, to its parsed JSON body. */
export type Call = () => Promise<unknown>;

/** The baseline every ratio is taken against: the terminal fetch and `.json()`, nothing else. */
export const bare: Call = () => terminal(URL_ITEMS).then((response) => response.json());

async function control(): Promise<Call> {
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit) => terminal(input, init);
  return () => wrapped(URL_ITEMS).then((response) => response.json());
}

async function sluiceCore(): Promise<Call> {
  const { compose, concurrency, correlationId, errors, retry, timeout } = await import('@sluice/core');
  const pipeline = compose([errors(), correlationId(), retry(), concurrency({ limit: 64 }), timeout({ attempt: 10_000 })], {
    fetch: terminal,
  });
  return () => pipeline(URL_ITEMS).then((response) => response.json());
}

async function sluiceClient(): Promise<Call> {
  const { createClient } = await import('sluice');
  const client = createClient({ baseUrl: BASE_URL, fetch: terminal });
  return () => client.get('items').json();
}

async function kyAlone(): Promise<Call> {
  const { default: ky } = await import('ky');
  const api = ky.create({ baseUrl: BASE_URL, fetch: terminal });
  return () => api.get('items').json();
}

async function wretchRetry(): Promise<Call> {
  const { default: wretch } = await import('wretch');
  const { retry } = await import('wretch/middlewares');
  const api = wretch(BASE_URL).fetchPolyfill(terminal).middlewares([retry()]);
  return () => api.get('items').json();
}

async function fetchExtras(): Promise<Call> {
  const { pipeline, withConcurrency, withHttpError, withRetry, withTimeout } = await import('fetch-extras');
  const api = pipeline(
    terminal as typeof fetch,
    withTimeout(10_000),
    withConcurrency({ maxConcurrentRequests: 64 }),
    withRetry(),
    withHttpError(),
  );
  return () => api(URL_ITEMS).then((response) => response.json());
}

async function ofetchContender(): Promise<Call> {
  const { createFetch } = await import('ofetch');
  const api = createFetch({ fetch: terminal as typeof fetch, Headers, AbortController, defaults: { baseURL: BASE_URL } });
  return () => api('items');
}

async function axiosContender(): Promise<Call> {
  const { default: axios } = await import('axios');
  const api = axios.create({
    baseURL: BASE_URL,
    timeout: 10_000,
    // A custom adapter over the same terminal: axios parses the text as JSON itself.
    adapter: async (config) => {
      const response = await terminal(String(config.url), { method: config.method ?? 'get' });
      return {
        data: await response.text(),
        status: response.status,
        statusText: response.statusText,
        headers: Object.fromEntries(response.headers),
        config,
        request: {},
      };
    },
  });
  return () => api.get('items').then((response) => response.data);
}

/** The contenders by name, in the order the table shows them. */
export const CONTENDERS: Readonly<Record<string, () => Promise<Call>>> = {
  control,
  'sluice core stack': sluiceCore,
  'sluice createClient': sluiceClient,
  'ky 2': kyAlone,
  'wretch + retry': wretchRetry,
  'fetch-extras (4 wrappers)': fetchExtras,
  ofetch: ofetchContender,
  'axios (custom adapter)': axiosContender,
};
