import type { CircuitState } from '../types/index.js';
import type { BreakerCounter, BreakerPolicy } from './breakers.js';

/*
 * Internal: the circuits of one circuitBreaker middleware, one per key (origin).
 */

/** One key's circuit. */
export interface Circuit {
  state: CircuitState;
  counter: BreakerCounter;
  openedAt: number;
  probing: boolean;
  reason: string;
}

/**
 * The circuit for a key, made closed on first use; past `maxCircuits` circuits the oldest
 * closed one is forgotten (an open or half-open circuit is kept).
 */
export function circuitTable(policy: BreakerPolicy, maxCircuits: number): (key: string) => Circuit {
  const circuits = new Map<string, Circuit>();
  return (key) => {
    let circuit = circuits.get(key);
    if (!circuit) {
      circuit = { state: 'closed', counter: policy.create(), openedAt: 0, probing: false, reason: '' };
      circuits.set(key, circuit);
      if (circuits.size > maxCircuits) dropOldestClosed(circuits);
    }
    return circuit;
  };
}

function dropOldestClosed(circuits: Map<string, Circuit>): void {
  for (const [key, circuit] of circuits) {
    if (circuit.state === 'closed') {
      circuits.delete(key);
      return;
    }
  }
}
