import { ResponseValidationError, secretsOf, type ValidationIssue } from '@sluice/core';
import { type ResponsePromise, SchemaValidationError, type StandardSchemaV1Issue } from 'ky';
import { untaggedRedaction } from './call-errors.js';

/** Where a call's promise keeps ky's own `.json`. */
const KY_JSON = Symbol('sluice.kyJson');
type Wrapped = ResponsePromise<unknown> & { [KY_JSON]: (schema?: unknown) => Promise<unknown> };

/**
 * Makes ky's `.json(schema)` (Standard Schema validation, done by ky) fail with a
 * {@link ResponseValidationError}, a SluiceError carrying the path of the failure, instead
 * of ky's own `SchemaValidationError`. Everything else ky does is left as it is. Per
 * call it costs two property writes: the `.json` it installs is one shared function.
 */
export function withSchemaErrors<T>(promise: ResponsePromise<T>): ResponsePromise<T> {
  const wrapped = promise as unknown as Wrapped;
  wrapped[KY_JSON] = wrapped.json as Wrapped[typeof KY_JSON];
  wrapped.json = validatedJson as Wrapped['json'];
  return promise;
}

function validatedJson(this: Wrapped, schema?: unknown): Promise<unknown> {
  const json = this[KY_JSON];
  if (schema === undefined) return json();
  return json(schema).catch(async (error: unknown) => {
    if (!(error instanceof SchemaValidationError)) throw error;
    throw toValidationError(error, await this);
  });
}

function toValidationError(error: SchemaValidationError, response: Response): ResponseValidationError {
  const issues: ValidationIssue[] = error.issues.map((issue) => ({ message: issue.message, path: pathOf(issue) }));
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
  const where = first ? `at ${formatPath(first.path)}: ${first.message}` : 'with no issue reported';
  // The request's own secrets are scrubbed from the message: a schema's message may quote the body.
  const secrets = secretsOf(response);
  const message = `The body of ${(secrets ?? untaggedRedaction()).url(response.url)} (${response.status}) does not match the schema ${where}${more}`;
  return new ResponseValidationError(secrets ? secrets.text(message) : message, {
    cause: error,
    issues: secrets ? issues.map((issue) => ({ ...issue, message: secrets.text(issue.message) })) : issues,
    correlationId: secrets?.correlationId,
  });
}

function pathOf(issue: StandardSchemaV1Issue): Array<string | number> {
  return (issue.path ?? []).map((segment) => {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    return typeof key === 'number' ? key : typeof key === 'symbol' ? (key.description ?? 'symbol') : String(key);
  });
}

/** `$`, `$.items[0].id`. */
function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${key}`), '$');
}
