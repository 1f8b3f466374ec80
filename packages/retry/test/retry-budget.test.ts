import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock, RetryBudget, RetryPolicy, fixedRandom, type RetryError } from '../src/index.js';
import { failed, httpError, scripted, settle } from './helpers.js';

describe('RetryBudget', () => {
  it('starts full, drains by one per retry and refuses when empty', () => {
    const budget = new RetryBudget({ capacity: 3, refillPerSecond: 0 }, new FakeClock());
    assert.equal(budget.available(), 3);
    assert.equal(budget.tryWithdraw(), true);
    assert.equal(budget.tryWithdraw(), true);
    assert.equal(budget.tryWithdraw(), true);
    assert.equal(budget.tryWithdraw(), false);
    assert.equal(budget.available(), 0);
  });

  it('refills by ratio per first attempt: ten requests buy one retry (no float drift)', () => {
    const budget = new RetryBudget({ capacity: 10, ratio: 0.1, refillPerSecond: 0 }, new FakeClock());
    while (budget.tryWithdraw());
    for (let i = 0; i < 9; i++) budget.recordRequest();
    assert.equal(budget.tryWithdraw(), false);
    budget.recordRequest();
    assert.equal(budget.available(), 1);
    assert.equal(budget.tryWithdraw(), true);
    assert.equal(budget.tryWithdraw(), false);
  });

  it('refills over time and never beyond capacity', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ capacity: 10, refillPerSecond: 0.1 }, clock);
    while (budget.tryWithdraw());
    await clock.advance(10_000);
    assert.equal(budget.available(), 1);
    await clock.advance(1_000_000);
    assert.equal(budget.available(), 10);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    assert.equal(budget.available(), 10);
  });

  it('a busy client retries at most ratio × its calls: the time reserve does not add to the deposits', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ capacity: 10, ratio: 0.1, refillPerSecond: 0.1 }, clock);
    while (budget.tryWithdraw());
    // 20 calls per second for 60 s, every one failing and retrying whenever a token is there.
    let calls = 0;
    let retries = 0;
    for (let tick = 0; tick < 1200; tick++) {
      budget.recordRequest();
      calls++;
      while (budget.tryWithdraw()) retries++;
      await clock.advance(50);
    }
    assert.equal(calls, 1200);
    assert.equal(retries, 120); // exactly 10 %; adding the reserve on top would make it 126
  });

  it('a slow client gains the reserve, not the reserve plus its deposits', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ capacity: 10, ratio: 0.1, refillPerSecond: 0.1 }, clock);
    while (budget.tryWithdraw());
    // One call every 2 s deposits 0.05 per second, less than the reserve: the bucket gains 0.1 per second.
    for (let tick = 0; tick < 10; tick++) {
      budget.recordRequest();
      await clock.advance(2_000);
    }
    assert.equal(budget.available(), 2);
  });

  it('charges retryAfterCost for server-paced retries', () => {
    const budget = new RetryBudget({ capacity: 1, retryAfterCost: 0 }, new FakeClock());
    assert.equal(budget.costOf(true), 0);
    assert.equal(budget.costOf(false), 1);
  });

  it('clone() is independent; refund() gives tokens back; false disables it', () => {
    const budget = new RetryBudget({ capacity: 2, refillPerSecond: 0 }, new FakeClock());
    const copy = budget.clone();
    copy.tryWithdraw();
    assert.equal(budget.available(), 2);
    assert.equal(copy.available(), 1);
    copy.refund();
    assert.equal(copy.available(), 2);
    const off = new RetryBudget(false);
    assert.equal(off.enabled, false);
    assert.equal(off.tryWithdraw(1000), true);
    assert.equal(off.available(), Number.POSITIVE_INFINITY);
  });
});

describe('budget in the engine', () => {
  it('the first attempt never needs tokens; with an empty bucket only the retry is refused', async () => {
    const clock = new FakeClock();
    const policy = new RetryPolicy({ clock, budget: { capacity: 0 } });
    const op = scripted([httpError(500)], 'never');
    const error = failed(await settle(policy.execute(op.fn))) as RetryError;
    assert.equal(op.calls, 1);
    assert.equal(error.reason, 'budget-empty');
  });

  it('is shared by every call of a policy: one failing call drains it for the others, requests refill it', async () => {
    const clock = new FakeClock();
    const policy = new RetryPolicy({
      clock,
      random: fixedRandom(0),
      maxAttempts: 100,
      budget: { capacity: 5, ratio: 0.5, refillPerSecond: 0 },
    });
    const failing = scripted(
      Array.from({ length: 100 }, () => httpError(503)),
      'never',
    );
    const first = settle(policy.execute(failing.fn));
    await clock.runAll();
    assert.equal((failed(await first) as RetryError).reason, 'budget-empty');
    assert.equal(failing.calls, 6); // 1 + the 5 tokens of the full bucket (its own deposit is capped away)
    assert.equal(policy.budget.available(), 0);

    const unlucky = scripted([httpError(503)], 'never');
    const second = settle(policy.execute(unlucky.fn));
    await clock.runAll();
    assert.equal((failed(await second) as RetryError).reason, 'budget-empty'); // its 0.5 deposit buys nothing
    assert.equal(unlucky.calls, 1);

    const lucky = scripted([httpError(503)], 'ok');
    const third = settle(policy.execute(lucky.fn));
    await clock.runAll();
    assert.deepEqual(await third, { ok: true, value: 'ok' }); // 0.5 + 0.5 = one retry
    assert.equal(policy.budget.available(), 0);
  });

  it('server-paced retries are free by default, so throttling with Retry-After still gets through', async () => {
    const clock = new FakeClock();
    const policy = new RetryPolicy({ clock, random: fixedRandom(0), budget: { capacity: 0 } });
    const throttled = httpError(429, 'TooManyRequests', { 'retry-after': '1' });
    const op = scripted([throttled, throttled, throttled], 'finally');
    const outcome = settle(policy.execute(op.fn));
    await clock.runAll();
    assert.deepEqual(await outcome, { ok: true, value: 'finally' });
  });
});
