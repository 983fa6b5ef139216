import type { ServerResponse } from 'node:http';
import { apiKey, basic, bearer, clientCredentials, tokenAuth } from '@sluice/auth';
import { linkHeader } from '@sluice/core';
import { streamBytes } from './fault-server.js';
import type { Call, Fault, FaultEnv } from './harness.js';

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const get = (call: Call, path: string, extra: Record<string, unknown> = {}) =>
  call.client.get(path, { headers: call.headers, signal: call.signal, ...extra }).json();

/** A token endpoint: `fail` calls answer 500 first, then tokens that live an hour. */
function tokenEndpoint(env: FaultEnv, path: string, fail: number, delayMs = 0): void {
  let calls = 0;
  env.server.on(path, (_req, res) => {
    calls++;
    const answer = () => (calls <= fail ? json(res, 500, { error: 'temporarily_unavailable' }) : json(res, 200, { access_token: `tok-${calls}`, token_type: 'Bearer', expires_in: 3600 }));
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
}

function oauth(env: FaultEnv, path: string) {
  return tokenAuth(clientCredentials({ tokenUrl: `${env.server.url}${path}`, clientId: 'svc', clientSecret: 'fault-secret' }), {
    tokenTimeoutMs: env.size.tokenTimeout,
  });
}

const CREDENTIALS = ['authorization', 'x-api-key', 'cookie'];

/** Every fault of the suite, in the order of the table. */
export const FAULTS: readonly Fault[] = [
  {
    name: 'reset before headers',
    setup: ({ server }) => server.on('/reset', (req) => req.socket.destroy()),
    call: (call) => get(call, 'reset'),
    outcomes: ['NetworkError'],
    maxAttempts: 4,
  },
  {
    name: 'reset mid-body (2xx)',
    setup: ({ server }) =>
      server.on('/half', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
        res.write('{"items":[1,2,');
        setTimeout(() => res.socket?.destroy(), 5);
      }),
    call: (call) => get(call, 'half'),
    outcomes: ['NetworkError'],
    maxAttempts: 1,
  },
  {
    name: 'headers never come',
    burst: true,
    setup: ({ server }) => server.on('/hang', () => {}),
    call: (call) => get(call, 'hang'),
    outcomes: ['TimeoutError'],
    maxAttempts: 4,
  },
  {
    name: 'body slower than the deadline',
    burst: true,
    setup: ({ server, size }) =>
      server.on('/slow-body', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
        let sent = 0;
        const timer = setInterval(() => {
          sent++;
          if (sent < 4) res.write(`${sent},`);
          else {
            clearInterval(timer);
            res.end('4]');
          }
        }, size.attempt / 2);
        res.on('close', () => clearInterval(timer));
      }),
    call: (call) => get(call, 'slow-body'),
    outcomes: ['ok'],
    maxAttempts: 1,
    extraMs: (size) => size.attempt * 2,
  },
  {
    name: '500s',
    setup: ({ server }) => server.on('/500', (_req, res) => json(res, 500, { error: 'boom' })),
    call: (call) => get(call, '500'),
    outcomes: ['ServerError'],
    maxAttempts: 4,
  },
  ...(['503', '429'] as const).map(
    (status): Fault => ({
      name: `${status} with Retry-After, then 200`,
      setup: ({ server }) => {
        let refused = 0;
        server.on(`/${status}`, (_req, res) => {
          if (refused < 5) {
            refused++;
            json(res, Number(status), { error: 'slow down' }, { 'retry-after': '1' });
          } else json(res, 200, { ok: true });
        });
      },
      call: (call) => get(call, status),
      outcomes: ['ok'],
      maxAttempts: 2,
    }),
  ),
  {
    name: 'malformed Retry-After / RateLimit / X-RateLimit-*',
    burst: true,
    setup: ({ server }) =>
      server.on('/malformed-rate', (_req, res, hit) => {
        if (hit.count > 1) return json(res, 200, { ok: true });
        const variants: Record<string, string>[] = [
          { 'retry-after': 'soon' },
          { 'retry-after': 'Sun, 31 Feb 2026 25:61:61 GMT', ratelimit: '"p";r=;t=abc,,;;=' },
          { 'ratelimit-remaining': '0', 'ratelimit-reset': '-', ratelimit: 'limit=x, remaining=, reset=' },
          { 'x-ratelimit-remaining': 'zero', 'x-ratelimit-reset': 'NaN', 'x-ratelimit-reset-after': '1e' },
        ];
        json(res, 429, { error: 'limited' }, variants[Number(hit.id.split('#')[1]) % variants.length]);
      }),
    call: (call) => get(call, 'malformed-rate'),
    // A 429 with no usable delay makes the gate hold the origin: a request it holds past the total deadline
    // times out, and once the retry budget is spent the 429 is final (RateLimitError).
    outcomes: ['ok', 'TimeoutError', 'RateLimitError'],
    maxAttempts: 2,
  },
  {
    name: 'absurd Retry-After (1e20 s)',
    setup: ({ server }) => server.on('/absurd', (_req, res) => json(res, 503, {}, { 'retry-after': '100000000000000000000', 'x-ratelimit-reset-after': '99999999999' })),
    call: (call) => get(call, 'absurd'),
    // All at once: the gate closes the origin for the server's delay, so the requests it holds
    // until their total deadline would otherwise run in waves of `total` ms.
    burst: true,
    // A server delay past maxRetryAfter is not waited out (RateLimitError, at once); requests
    // that meet the origin closed by it wait at the gate until their total deadline (TimeoutError).
    outcomes: ['RateLimitError', 'TimeoutError'],
    verify: (row) => ((row.outcomes.get('RateLimitError') ?? 0) === 0 ? ['no request failed with RateLimitError at once'] : []),
    maxAttempts: 1,
  },
  {
    name: 'malformed Link',
    setup: ({ server }) =>
      server.on('/pages', (_req, res, hit) => {
        const broken = Number(hit.id.split('#')[1]) % 2 === 0;
        json(res, 200, [1, 2], { link: broken ? '<http://[::1/broken>; rel="next"' : '<<>>;;; rel=next, garbage <' });
      }),
    call: (call) => call.client.paginate('pages', linkHeader(), { init: { headers: call.headers, signal: call.signal } }).all(),
    outcomes: ['PaginationError', 'ok'],
    maxAttempts: 1,
    verify: (_row, _env, outcomes) =>
      outcomes.some((outcome, index) => (index % 2 === 0 ? outcome === 'ok' : outcome === 'PaginationError'))
        ? ['a broken Link did not give a PaginationError, or a junk one was not skipped']
        : [],
  },
  {
    name: 'malformed WWW-Authenticate',
    setup: (env) => {
      tokenEndpoint(env, '/token', 0);
      const variants = ['Bearer error="invalid_token', '===,,, "', 'Bearer realm', 'Basic, , ,Bearer error=', 'Negotiate ====, Bearer error="invalid_token"x'];
      env.server.on('/www-auth', (_req, res, hit) =>
        json(res, 401, { error: 'no' }, { 'www-authenticate': variants[Number(hit.id.split('#')[1]) % variants.length] as string }),
      );
      return { auth: oauth(env, '/token') };
    },
    call: (call) => get(call, 'www-auth'),
    // AuthError: the token call itself may time out (tokenTimeout) on a loaded machine.
    outcomes: ['UnauthorizedError', 'AuthError'],
    maxAttempts: 2,
  },
  {
    name: 'non-JSON error body under a JSON type',
    setup: ({ server }) => server.on('/html-error', (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('<html>proxy error</html>')),
    call: (call) => get(call, 'html-error'),
    outcomes: ['BadRequestError'],
    maxAttempts: 1,
  },
  {
    name: '50 MB error body',
    setup: ({ server }) =>
      server.on('/huge', (_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        streamBytes(res, 50 * 1024 * 1024, (written) => {
          if (written > server.maxBodyBytes) server.maxBodyBytes = written;
        });
      }),
    call: (call) => get(call, 'huge'),
    outcomes: ['ServerError'],
    maxAttempts: 4,
    verify: (_row, env) => (env.server.maxBodyBytes >= 25 * 1024 * 1024 ? [`a response wrote ${env.server.maxBodyBytes} bytes: the body was read far past the preview`] : []),
  },
  {
    name: 'invalid JSON in a 2xx',
    setup: ({ server }) => server.on('/bad-json', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"items": [1, 2,')),
    call: (call) => get(call, 'bad-json'),
    outcomes: ['ResponseParseError'],
    maxAttempts: 1,
  },
  {
    name: 'redirect loop',
    setup: ({ server, size }) => {
      server.on('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
      // 2,100 hops at once: the attempt deadline is the total one, so that no attempt times out mid-loop and is retried.
      return { timeout: { attempt: size.total, total: size.total } };
    },
    call: (call) => get(call, 'loop'),
    outcomes: ['NetworkError'],
    maxAttempts: 21,
  },
  {
    name: 'cross-origin redirect, 5 credential kinds',
    setup: ({ server, other }) => {
      server.on('/hop', (_req, res) => res.writeHead(302, { location: `${other.url}/landing?x=1` }).end());
      other.on('/landing', (_req, res) => json(res, 200, { landed: true }));
      return {};
    },
    call: (call, env) => {
      const origins = [env.server.url];
      const kinds = [
        bearer('bearer-secret', { origins }),
        basic('user', 'basic-secret', { origins }),
        apiKey({ header: 'x-api-key', value: 'header-secret', origins }),
        apiKey({ query: 'api_key', value: 'query-secret', origins }),
        apiKey({ header: 'cookie', value: 'session=cookie-secret', origins }),
      ];
      return get(call, 'hop', { auth: kinds[call.index % kinds.length] });
    },
    outcomes: ['ok'],
    maxAttempts: 2,
    verify: (row, env) => {
      const landed = env.other.received.filter((hit) => hit.path === '/landing');
      const leaked = landed.filter((hit) => CREDENTIALS.some((name) => hit.headers[name] !== undefined) || hit.url.searchParams.has('api_key'));
      const home = env.server.received.filter((hit) => hit.path === '/hop');
      const sentHome = home.filter((hit) => CREDENTIALS.some((name) => hit.headers[name] !== undefined) || hit.url.searchParams.has('api_key'));
      const problems: string[] = [];
      const ok = row.outcomes.get('ok') ?? 0;
      if (landed.length < ok) problems.push(`${landed.length} requests reached the other origin, fewer than the ${ok} that succeeded`);
      if (leaked.length > 0) problems.push(`${leaked.length} cross-origin hops carried a credential`);
      if (sentHome.length !== home.length) problems.push(`only ${sentHome.length} of ${home.length} first hops carried their credential`);
      return problems;
    },
  },
  {
    name: "redirect: 'error'",
    setup: ({ server }) => server.on('/moved', (_req, res) => res.writeHead(301, { location: '/elsewhere' }).end()),
    call: (call) => get(call, 'moved', { redirect: 'error' }),
    outcomes: ['NetworkError'],
    maxAttempts: 1,
  },
  {
    name: 'abort while queued',
    burst: true,
    setup: ({ server, size }) => server.on('/held', (_req, res) => setTimeout(() => json(res, 200, { ok: true }), size.hold)),
    call: (call, env) => {
      const pending = get(call, 'held');
      if (call.index % env.size.requests >= env.size.concurrency) setTimeout(() => call.abort(), 5);
      return pending;
    },
    outcomes: ['ok', 'AbortError'],
    maxAttempts: 1,
    verify: (_row, env, outcomes) =>
      outcomes.some((outcome, index) => index >= env.size.concurrency && outcome !== 'AbortError') ? ['a request aborted in the queue did not reject with AbortError'] : [],
  },
  {
    name: 'abort in backoff',
    setup: (env) => {
      env.server.on('/fail-then-abort', (_req, res) => json(res, 503, { error: 'busy' }));
      return {
        // No retry budget: every request must reach its backoff, where it is aborted.
        retryBudget: false,
        retry: { baseDelay: env.size.total, maxDelay: env.size.total, maxElapsed: env.size.total * 10 },
        timeout: { attempt: env.size.attempt, total: env.size.total * 5 },
        onEvent: (event) => {
          if (event.type === 'retry' && event.correlationId) env.abortById(event.correlationId);
        },
      };
    },
    call: (call) => get(call, 'fail-then-abort', { correlationId: call.id }),
    outcomes: ['AbortError'],
    maxAttempts: 1,
  },
  {
    name: 'abort during a token wait',
    setup: (env) => {
      tokenEndpoint(env, '/token-slow', 0, env.size.hold);
      env.server.on('/needs-token', (_req, res) => json(res, 200, { ok: true }));
      return { auth: oauth(env, '/token-slow') };
    },
    call: (call) => {
      const pending = get(call, 'needs-token');
      setTimeout(() => call.abort(), 10);
      return pending;
    },
    // AuthError: on a stalled event loop the token call's own timeout can fire before the caller's abort.
    outcomes: ['AbortError', 'AuthError'],
    // The token may arrive before a late abort timer fires on a loaded machine: then the request was sent before its abort.
    maxAttempts: 1,
    extraMs: (size) => size.tokenTimeout,
  },
  {
    name: 'abort in flight',
    setup: (env) => {
      env.server.on('/in-flight', (_req, _res, hit) => env.abortById(hit.id));
      return {};
    },
    call: (call) => get(call, 'in-flight'),
    outcomes: ['AbortError'],
    maxAttempts: 1,
  },
  {
    name: 'token endpoint fails, then recovers',
    setup: (env) => {
      tokenEndpoint(env, '/token-flaky', 1);
      env.server.on('/api', (req, res) => json(res, req.headers.authorization ? 200 : 401, {}));
      return { auth: oauth(env, '/token-flaky') };
    },
    call: (call) => get(call, 'api'),
    outcomes: ['ok', 'AuthError'],
    maxAttempts: 1,
    verify: (_row, _env, outcomes) => (outcomes.at(-1) !== 'ok' || !outcomes.includes('AuthError') ? ['the token endpoint did not fail first and recover later'] : []),
  },
  {
    name: 'token endpoint hangs',
    burst: true,
    setup: (env) => {
      env.server.on('/token-hang', () => {});
      env.server.on('/api', (_req, res) => json(res, 200, {}));
      return { auth: oauth(env, '/token-hang') };
    },
    call: (call) => get(call, 'api'),
    // Each wave of waiters fails after tokenTimeout; a request still queued at its total deadline times out.
    outcomes: ['AuthError', 'TimeoutError'],
    verify: (row) => ((row.outcomes.get('AuthError') ?? 0) === 0 ? ['no request failed with AuthError'] : []),
    maxAttempts: 0,
    extraMs: (size) => size.tokenTimeout,
  },
];
