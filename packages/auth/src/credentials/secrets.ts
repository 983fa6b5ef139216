import type { Context } from '@sluice/core';

/**
 * Adds credential values an auth middleware attached to `context.state.secrets` (made
 * when absent), so the errors middleware and observers can redact them. Empty values are
 * skipped.
 */
export function addSecrets(context: Context, ...values: readonly (string | undefined)[]): void {
  for (const value of values) {
    if (typeof value !== 'string' || value === '') continue;
    context.state.secrets ??= new Set<string>();
    context.state.secrets.add(value);
  }
}
