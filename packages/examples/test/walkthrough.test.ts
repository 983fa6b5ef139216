import { describe, expect, it } from 'vitest';
import { runSequoiaWalkthrough } from '../src/sequoia/walkthrough.js';

describe('runSequoiaWalkthrough', () => {
  it('walks the Sequoia client end to end against a served API', async () => {
    const lines: string[] = [];
    const summary = await runSequoiaWalkthrough((line) => lines.push(line));
    expect(summary.contents).toEqual(['demo:c1', 'demo:c2', 'demo:c3', 'demo:c4', 'demo:c5', 'demo:c6']);
    expect(summary.assets).toEqual(['demo:a1', 'demo:a2', 'demo:a3']);
    expect(summary.tokenCalls).toBe(1);
    expect(summary.correlationIds).toHaveLength(2);
    expect(summary.correlationIds.every((id) => id.startsWith('user123/app101/'))).toBe(true);
    expect(lines.some((line) => line.includes('↻'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^Done: \d+ requests to the services, 1 token call\(s\)\.$/);
  });
});
