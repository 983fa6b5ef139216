/** Statuses whose responses never carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = /* @__PURE__ */ new Set([101, 103, 204, 205, 304]);

const GUARD = Symbol('sluice.bodyGuard');

/** Maps a failed body read; `request` and `context` are the guard's own, passed back. */
export type BodyErrorMapper<A, B> = (error: unknown, a: A, b: B) => unknown;

interface GuardState {
  readonly mapError: BodyErrorMapper<unknown, unknown>;
  readonly a: unknown;
  readonly b: unknown;
  /** The stream-wrapping copy, made only once someone takes `body` (or reads `formData`). */
  copy: Response | undefined;
  /** What {@link tagGuarded} stored (the response's secrets view): one slot, no second property. */
  tag: unknown;
}

type Guarded = Response & { [GUARD]: GuardState };
type Reader = 'text' | 'arrayBuffer' | 'blob' | 'bytes';

// Read on first use, not at import: the module loads where no Response exists yet too.
let proto: Response;
let ownBody: (this: Response) => ReadableStream<Uint8Array> | null;
let ownBodyUsed: (this: Response) => boolean;
let GUARDED: Response | undefined;

/**
 * Returns a response whose body errors with `mapError(error, a, b)` instead of the raw error
 * when reading it fails (a connection reset in the middle of the body surfaces from
 * undici as `TypeError: terminated`). Chunks, end and cancellation pass through as they
 * are; `url`, `redirected` and `type` are kept. A response without a body is returned as is.
 * Internal: the errors middleware wraps every body it returns.
 *
 * It is the same Response object, on a prototype whose body readers (`text`, `json`,
 * `arrayBuffer`, `blob`, `bytes`) map a failed read: no second Response and no second
 * stream per request. Only `body` itself (a caller that streams it) and `formData` get a
 * copy over a wrapping stream, made then. `mapError` is meant to be shared (one per
 * middleware), its per-request data passed as `a` and `b`: no closure per response.
 */
export function guardBody<A, B>(response: Response, mapError: BodyErrorMapper<A, B>, a: A, b: B): Response {
  const body = response.body;
  if (body === null || NULL_BODY_STATUSES.has(response.status) || response.bodyUsed || body.locked) return response;
  const state: GuardState = { mapError: mapError as BodyErrorMapper<unknown, unknown>, a, b, copy: undefined, tag: undefined };
  (response as Guarded)[GUARD] = state;
  Object.setPrototypeOf(response, GUARDED ?? guardedPrototype());
  return response;
}

/**
 * Stores `tag` on a guarded response's own state and says `true`; `false` when the
 * response is not guarded. Cheaper than a property of its own for the caller.
 */
export function tagGuarded(response: Response, tag: unknown): boolean {
  const state = (response as Partial<Guarded>)[GUARD];
  if (state === undefined) return false;
  state.tag = tag;
  return true;
}

/** What {@link tagGuarded} stored on `response`, if it is guarded. */
export function guardedTag(response: Response): unknown {
  return (response as Partial<Guarded>)[GUARD]?.tag;
}

/**
 * Reads through the copy once there is one, else natively, mapping a failed read; `then`
 * (JSON parsing) runs on the text in the same step, its own errors left unmapped.
 */
function read(response: Guarded, reader: Reader, then?: (value: unknown) => unknown): Promise<unknown> {
  const state = response[GUARD];
  if (state.copy) return then ? state.copy[reader]().then(then) : state.copy[reader]();
  // A body already used or locked fails as it would unguarded: that is a caller's mistake, not the network's.
  const usable = !ownBodyUsed.call(response) && ownBody.call(response)?.locked !== true;
  const pending = (proto[reader] as (this: Response) => Promise<unknown>).call(response);
  if (!usable) return then ? pending.then(then) : pending;
  return pending.then(then, (error: unknown) => Promise.reject(state.mapError(error, state.a, state.b)));
}

function copyOf(response: Guarded): Response {
  const state = response[GUARD];
  state.copy ??= streamCopy(response, ownBody.call(response) as ReadableStream<Uint8Array>, (error) => state.mapError(error, state.a, state.b));
  return state.copy;
}

/** The prototype of guarded responses: Response.prototype with body readers that map failures. */
function guardedPrototype(): Response {
  proto = Response.prototype;
  ownBody = Object.getOwnPropertyDescriptor(proto, 'body')?.get as typeof ownBody;
  ownBodyUsed = Object.getOwnPropertyDescriptor(proto, 'bodyUsed')?.get as typeof ownBodyUsed;
  const readers: PropertyDescriptorMap = {
    body: {
      get(this: Guarded) {
        return copyOf(this).body;
      },
      enumerable: true,
      configurable: true,
    },
    bodyUsed: {
      get(this: Guarded) {
        const copy = this[GUARD].copy;
        return copy ? copy.bodyUsed : ownBodyUsed.call(this);
      },
      enumerable: true,
      configurable: true,
    },
    text: method(function text(this: Guarded) {
      return read(this, 'text');
    }),
    json: method(function json(this: Guarded) {
      return read(this, 'text', parseJson);
    }),
    arrayBuffer: method(function arrayBuffer(this: Guarded) {
      return read(this, 'arrayBuffer');
    }),
    blob: method(function blob(this: Guarded) {
      return read(this, 'blob');
    }),
    formData: method(function formData(this: Guarded) {
      return copyOf(this).formData();
    }),
    clone: method(function clone(this: Guarded) {
      const state = this[GUARD];
      return state.copy ? state.copy.clone() : guardBody(proto.clone.call(this), state.mapError, state.a, state.b);
    }),
  };
  // Only where the platform has it (ky looks for it on Response.prototype).
  if (typeof proto.bytes === 'function') {
    readers.bytes = method(function bytes(this: Guarded) {
      return read(this, 'bytes');
    });
  }
  GUARDED = Object.create(proto, readers) as Response;
  return GUARDED;
}

function parseJson(text: unknown): unknown {
  return JSON.parse(text as string);
}

function method(value: (this: Guarded) => unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
}

/** A new Response over a stream that maps read errors: for a caller that takes `body`. */
function streamCopy(response: Response, body: ReadableStream<Uint8Array>, mapError: (error: unknown) => unknown): Response {
  const reader = body.getReader();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          controller.error(mapError(error));
          return;
        }
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const copy = new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(copy, 'url', { value: response.url });
  Object.defineProperty(copy, 'redirected', { value: response.redirected });
  Object.defineProperty(copy, 'type', { value: response.type });
  return copy;
}
