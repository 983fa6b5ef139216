import {
  addSecretNames,
  addSecrets,
  compose,
  errors,
  type HttpError,
  type Middleware,
  observe,
  REDACTED,
  type SluiceEvent,
  secretsOf,
  UnauthorizedError,
} from '@sluice/core';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failure, views } from './helpers.js';
import { useServer } from '@sluice/testing/node';

// addSecrets and addSecretNames are how a middleware adds to its request's secrets: what
// they add is hidden in the request's errors, its events and secretsOf(response).

const API = 'https://add-secrets.test';
const SESSION = 'sess-5c1d9e2f7a3b';
const OCTOPUS_KEY = 'API-OCTO7731AB';

const server = useServer({ beforeAll, afterEach, afterAll });

/** Sends a session id in a header errors() does not know by name, and adds its value. */
const session: Middleware = {
  name: 'session',
  handle(request, context, next) {
    request.headers.set('x-session', SESSION);
    addSecrets(context, SESSION, '', undefined);
    return next(request);
  },
};

/** Sends Octopus's API key in a query parameter, and makes that parameter's name secret. */
const octopusKey: Middleware = {
  name: 'octopusKey',
  handle(request, context, next) {
    addSecretNames(context, ['X-Octopus-ApiKey']);
    const url = new URL(request.url);
    url.searchParams.set('x-octopus-apikey', OCTOPUS_KEY);
    return next(new Request(url, request));
  },
};


describe('addSecrets', () => {
  it('hides an added value in the HttpError body, its events and secretsOf(response)', async () => {
    server.use(
      http.get(`${API}/me`, ({ request }) => HttpResponse.text(`unknown session ${request.headers.get('x-session')}`, { status: 401 })),
      http.get(`${API}/ok`, ({ request }) => HttpResponse.text(`hello ${request.headers.get('x-session')}`)),
    );
    const events: SluiceEvent[] = [];
    const pipeline = compose([observe({ onEvent: (event) => events.push(event) }), errors(), session]);
    const error = (await failure(pipeline(`${API}/me`))) as HttpError;
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.body).toBe(`unknown session ${REDACTED}`);
    expect(views(error)).not.toContain(SESSION);
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events.map((event) => ({ ...event, error: views((event as { error?: unknown }).error) })))).not.toContain(SESSION);

    const response = await pipeline(`${API}/ok`);
    const text = await response.text();
    expect(text).toBe(`hello ${SESSION}`);
    expect(secretsOf(response)?.text(text)).toBe(`hello ${REDACTED}`);
  });

  it('keeps nothing for empty values: a request that adds only those has no secret values', async () => {
    let seen: ReadonlySet<string> | undefined = new Set(['not read']);
    const empty: Middleware = {
      name: 'empty',
      handle(request, context, next) {
        addSecrets(context, '', undefined);
        seen = context.state.secrets;
        return next(request);
      },
    };
    server.use(http.get(`${API}/empty`, () => HttpResponse.text('ok')));
    await compose([empty])(`${API}/empty`);
    expect(seen).toBeUndefined();
  });
});

describe('addSecretNames', () => {
  it('hides the named query value in the error url and body, case-insensitively', async () => {
    server.use(http.get(`${API}/projects`, ({ request }) => HttpResponse.text(`bad key in ${request.url}`, { status: 401 })));
    const error = (await failure(compose([errors(), octopusKey])(`${API}/projects`))) as HttpError;
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.url).toBe(`${API}/projects`);
    expect(views(error)).not.toContain(OCTOPUS_KEY);
  });

  it('widens the redaction in force without changing errors()’ own, and makes none when nothing is new', async () => {
    const redactions: unknown[] = [];
    const spy: Middleware = {
      name: 'spy',
      handle(request, context, next) {
        redactions.push(context.redaction);
        addSecretNames(context, ['x-octopus-apikey']);
        redactions.push(context.redaction);
        addSecretNames(context, ['X-OCTOPUS-APIKEY', 'authorization']);
        redactions.push(context.redaction);
        return next(request);
      },
    };
    server.use(http.get(`${API}/spy`, () => HttpResponse.text('ok')));
    await compose([errors(), spy])(`${API}/spy`);
    const [before, widened, same] = redactions as { names: ReadonlySet<string> }[];
    expect(before?.names.has('x-octopus-apikey')).toBe(false);
    expect(widened).not.toBe(before);
    expect(widened?.names.has('x-octopus-apikey')).toBe(true);
    expect(same).toBe(widened);
  });
});
