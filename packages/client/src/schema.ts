import { type Redaction, ResponseValidationError, secretsOf, type ValidationIssue } from '@sluice/core';
import { type ResponsePromise, SchemaValidationError, type StandardSchemaV1Issue } from 'ky';

/** What a validation error message needs from the client. */
export interface SchemaErrorScope {
  /** The client's redaction, for a response the pipeline did not tag (ky re-created it). */
  redaction: Redaction;
}

/**
 * Makes ky's `.json(schema)` (Standard Schema validation, done by ky) fail with a
 * {@link ResponseValidationError}, a SluiceError carrying the path of the failure, instead
 * of ky's own `SchemaValidationError`. Everything else ky does is left as it is.
 */
export function withSchemaErrors<T>(promise: ResponsePromise<T>, scope: SchemaErrorScope): ResponsePromise<T> {
  const json = promise.json.bind(promise) as (schema?: unknown) => Promise<unknown>;
  const validated = (schema?: unknown): Promise<unknown> => {
    const parsed = json(schema);
    if (schema === undefined) return parsed;
    return parsed.catch(async (error: unknown) => {
      if (!(error instanceof SchemaValidationError)) throw error;
      throw toValidationError(error, await promise, scope);
    });
  };
  Object.defineProperty(promise, 'json', { value: validated, configurable: true, writable: true });
  return promise;
}

function toValidationError(error: SchemaValidationError, response: Response, scope: SchemaErrorScope): ResponseValidationError {
  const issues: ValidationIssue[] = error.issues.map((issue) => ({ message: issue.message, path: pathOf(issue) }));
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
  const where = first ? `at ${formatPath(first.path)}: ${first.message}` : 'with no issue reported';
  // The request's own secrets are scrubbed from the message: a schema's message may quote the body.
  const secrets = secretsOf(response);
  const message = `The body of ${(secrets ?? scope.redaction).url(response.url)} (${response.status}) does not match the schema ${where}${more}`;
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
