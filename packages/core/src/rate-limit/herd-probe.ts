import { fitBucketRate, herdBurst, herdRate, type SendOutcome } from './bucket-fit.js';

/*
 * Internal: what the adaptive rate learns from a first throttle that came from a herd (less
 * than a second of traffic): the herd's responses, the rough rate and burst they show, the
 * sends of the probe that follows, and the server's bucket fitted when a throttle ends it.
 */

/** At most this many herd responses or probe sends are kept. */
const MAX_OUTCOMES = 4096;
/** The probe after a herd with a rough rate starts at this fraction of it (and grows by 0.3 of it per second). */
export const PROBE_START = 0.85;
/** After a probe of a second or more that no bucket fit explains, the rate resumes from this share of what the server served over its last second. */
const SERVED_SHARE = 0.92;

/** The herd, and the probe that follows it until a throttle ends it. */
export interface HerdProbe {
  /** The herd's rough rate (successes among its refusals), once the probe started. */
  readonly roughRate: number | undefined;
  /** Keeps one response (`stop`: the first second passed without a herd). */
  record(now: number, accepted: boolean, stop: boolean): void;
  /** Starts the probe, `accepted` responses in: the herd's burst, if its rough rate is known. */
  start(accepted: number): number | undefined;
  /** Records one send of the probe. */
  sent(now: number): void;
  /** The server's rate and burst from the probe that a throttle just ended. */
  fit(accepted: number, resumedAt: number | undefined): { rate: number; burst: number } | undefined;
  /** The rate the server accepted since sending resumed, when that measures its sustained rate. */
  probed(now: number, probing: boolean, served: number, accepted: number, resumedAt: number | undefined): number | undefined;
  /** Forgets the probe's sends (an outage refused them all: they teach no rate). */
  forgetSends(): void;
  /** Forgets the herd and the probe (after the throttle that ended it). */
  end(): void;
}

/** An empty herd record, recording from the first send. */
export function createHerdProbe(): HerdProbe {
  return new Probe();
}

/** A class, not a closure: one per origin, its methods shared by every origin. */
class Probe implements HerdProbe {
  /** The responses from the first send until sending resumes after a herd. */
  #outcomes: SendOutcome[] | undefined = [];
  roughRate: number | undefined;
  #herdAccepted = 0;
  /** The sends of the probe. */
  readonly #times: number[] = [];

  record(now: number, accepted: boolean, stop: boolean): void {
    if (this.#outcomes === undefined) return;
    if (stop || this.#outcomes.length >= MAX_OUTCOMES) this.#outcomes = undefined; // no herd, or too long a one to learn from
    else this.#outcomes.push({ at: now, accepted });
  }

  start(accepted: number): number | undefined {
    this.#herdAccepted = accepted;
    const outcomes = this.#outcomes;
    this.roughRate = outcomes === undefined ? undefined : herdRate(outcomes);
    this.#times.length = 0;
    return this.roughRate === undefined ? undefined : (herdBurst(outcomes as SendOutcome[], this.roughRate) ?? 0);
  }

  sent(now: number): void {
    if (this.#times.length < MAX_OUTCOMES) this.#times.push(now);
  }

  fit(accepted: number, resumedAt: number | undefined): { rate: number; burst: number } | undefined {
    // Responses come back in about the order they were sent: the first `accepted` sends
    // of the probe were accepted, and the next one refused.
    const refusedAt = this.#times[accepted];
    if (resumedAt === undefined || refusedAt === undefined) return undefined;
    const herd = { outcomes: this.#outcomes, roughRate: this.roughRate, accepted: this.#herdAccepted };
    return fitProbe(this.#times.slice(0, accepted), refusedAt, resumedAt, herd);
  }

  probed(now: number, probing: boolean, served: number, accepted: number, resumedAt: number | undefined): number | undefined {
    if (resumedAt === undefined) return undefined;
    const span = now - resumedAt;
    // A probe from a herd's rough rate that ran a second or more: what the server served over
    // its last second, less the burst it may have saved while the probe started under its
    // rate. The average since sending resumed is dragged down by that start, and pushed up by
    // late answers to requests sent before the closure.
    if (probing && this.roughRate !== undefined && span >= 1000) return SERVED_SHARE * served;
    return span >= (probing ? 100 : 1000) ? accepted / (span / 1000) : undefined;
  }

  forgetSends(): void {
    this.#times.length = 0;
  }

  end(): void {
    this.#outcomes = undefined;
    this.roughRate = undefined;
    this.#times.length = 0;
  }
}

/** What the herd before a probe showed. */
interface Herd {
  outcomes: readonly SendOutcome[] | undefined;
  roughRate: number | undefined;
  /** Responses accepted from the first send until the probe started. */
  accepted: number;
}

/**
 * Fits the server's bucket to a probe (see {@link fitBucketRate}), the burst read from the
 * herd before it. The burst depends on the rate (the herd's successes include refills), so
 * the two are refined together.
 */
function fitProbe(times: readonly number[], refusedAt: number, resumedAt: number, herd: Herd): { rate: number; burst: number } | undefined {
  let rate: number | undefined;
  let burst = herd.accepted;
  for (let round = 0; round < 3; round++) {
    const guess = rate ?? herd.roughRate;
    burst = (guess !== undefined && herd.outcomes !== undefined ? herdBurst(herd.outcomes, guess) : undefined) ?? herd.accepted;
    const next = fitBucketRate(times, refusedAt, burst, resumedAt);
    if (next === undefined) break;
    rate = next;
  }
  if (rate === undefined) return undefined;
  // The burst is read less surely the more the herd refilled (see `herdBurst`): stay under
  // the rate that a burst larger by a tenth of that refill (at least half a token, at most
  // two) would give. A probe that drained the bucket quickly pins the rate less, and the
  // margin grows with it.
  const doubt = Math.min(2, Math.max(0.5, (herd.accepted - burst) / 10));
  return { rate: Math.min(rate, fitBucketRate(times, refusedAt, burst + doubt, resumedAt) ?? rate), burst };
}
