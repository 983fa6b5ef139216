import { describe, expect, it } from 'vitest';
import { createHerdProbe } from '../src/rate-limit/herd-probe.js';
import { createSendMeter } from '../src/rate-limit/send-meter.js';
import { createServedWindow } from '../src/rate-limit/served-window.js';

// The pieces of the adaptive rate (adaptive-rate.ts), each through its own module.

describe('send meter', () => {
  it('is not valid until a half-second passed, then measures sends per second', () => {
    const meter = createSendMeter(0.8);
    for (let i = 0; i < 50; i++) meter.count(i * 10); // 50 sends in the first half-second
    expect(meter.valid).toBe(false);
    meter.count(500); // the next bucket starts: the first one is measured
    expect(meter.valid).toBe(true);
    expect(meter.rate).toBe(100);
  });

  it('smooths the next buckets by the weight of the newest one, and restarts afresh', () => {
    const meter = createSendMeter(0.5);
    for (let i = 0; i < 50; i++) meter.count(i * 10);
    for (let i = 0; i < 10; i++) meter.count(500 + i * 10); // 20/s in the second bucket
    meter.count(1000);
    expect(meter.rate).toBe(0.5 * 20 + 0.5 * 100);
    meter.restart();
    expect(meter.valid).toBe(false);
    meter.count(5000);
    meter.count(5500);
    expect(meter.rate).toBe(2); // one send over the half-second, not smoothed with the old rate
  });
});

describe('served window', () => {
  it('counts the accepted responses since `from`, per second', () => {
    const served = createServedWindow();
    for (let i = 0; i < 300; i++) served.add(i * 10); // 100/s for 3 s
    expect(served.servedSince(2000, 3000, -1)).toBe(100);
  });

  it('falls back when the span is under 50 ms', () => {
    const served = createServedWindow();
    served.add(0);
    expect(served.servedSince(0, 40, 7)).toBe(7);
  });
});

describe('herd probe', () => {
  /** 20 accepted at once, then 1 in 5 accepted, one response per ms. */
  function herd(probe: ReturnType<typeof createHerdProbe>): number {
    let accepted = 0;
    for (let i = 0; i < 20; i++) {
      probe.record(0, true, false);
      accepted++;
    }
    for (let i = 0; i < 50; i++) {
      const ok = i % 5 === 4;
      probe.record(1 + i, ok, false);
      if (ok) accepted++;
    }
    return accepted;
  }

  it('reads a rough rate and a burst from the herd when the probe starts', () => {
    const probe = createHerdProbe();
    const accepted = herd(probe);
    expect(probe.roughRate).toBeUndefined();
    const burst = probe.start(accepted);
    expect(probe.roughRate).toBeCloseTo((10 * 1000) / 49);
    expect(burst).toBeGreaterThanOrEqual(19);
    expect(burst).toBeLessThanOrEqual(21);
  });

  it('keeps nothing once told to stop (no herd in the first second)', () => {
    const probe = createHerdProbe();
    probe.record(0, true, false);
    probe.record(1000, false, true);
    expect(probe.start(1)).toBeUndefined();
    expect(probe.roughRate).toBeUndefined();
  });

  it('fits no bucket without a refused send, and measures the accepted rate after 100 ms of probing', () => {
    const probe = createHerdProbe();
    probe.start(0);
    for (let i = 0; i < 10; i++) probe.sent(1000 + i * 10);
    expect(probe.fit(10, 1000)).toBeUndefined(); // all 10 sends accepted: none refused
    expect(probe.probed(1200, true, 0, 10, 1000)).toBe(50);
    expect(probe.probed(1050, true, 0, 10, 1000)).toBeUndefined();
  });

  it('fits the bucket to a probe that a refusal ended', () => {
    const probe = createHerdProbe();
    const accepted = herd(probe);
    probe.start(accepted);
    // The probe sends every 5 ms from 1000 ms: its first 40 sends are accepted and the 41st
    // (at 1200 ms) refused. A bucket full at its burst when the probe started refuses it
    // exactly when burst + 0.2 s × rate runs out at 40 sends.
    for (let i = 0; i <= 40; i++) probe.sent(1000 + i * 5);
    const fit = probe.fit(40, 1000);
    if (!fit) throw new Error('no fit');
    expect(fit.burst).toBeGreaterThanOrEqual(20); // the herd's burst, read with its refills
    expect(fit.burst).toBeLessThan(30);
    expect(fit.burst + 0.2 * fit.rate).toBeGreaterThan(38);
    expect(fit.burst + 0.2 * fit.rate).toBeLessThan(41);
    probe.end();
    expect(probe.roughRate).toBeUndefined();
    expect(probe.fit(40, 1000)).toBeUndefined();
  });
});
