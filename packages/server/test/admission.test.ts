import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import { MAX_RETRY_AFTER_MS, RateLimiter } from '../src/admission/rate-limiter.js';
import { batch, testServer } from './support.js';

describe('RateLimiter', () => {
  it('admits a burst, then refuses with an honest Retry-After and refills over time', async () => {
    const clock = new FakeClock(0);
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3 }, clock);
    assert.deepEqual(
      [1, 2, 3].map(() => limiter.take().allowed),
      [true, true, true],
    );
    const refused = limiter.take();
    assert.equal(refused.allowed, false);
    assert.equal(refused.remaining, 0);
    assert.equal(refused.retryAfterSeconds, 1, 'half a second to the next token rounds up to 1 s');
    await clock.advance(500);
    assert.equal(limiter.take().allowed, true);
    assert.equal(limiter.take().allowed, false);
    await clock.advance(10_000);
    assert.equal(limiter.take().remaining, 2, 'refills up to the burst, not beyond');
  });

  it('gives each refused request its own slot, one token interval after the previous one', async () => {
    const clock = new FakeClock(0);
    const limiter = new RateLimiter({ ratePerSecond: 50, burst: 50 }, clock);
    for (let i = 0; i < 50; i++) assert.equal(limiter.take().allowed, true);
    const waits = [1, 2, 3, 4].map(() => limiter.take().retryAfterMs);
    assert.deepEqual(waits, [20, 40, 60, 80], 'the next token is 20 ms away; later refusals queue behind it');
    // 60 refusals in a row reach beyond a second: whole-second Retry-After follows the slot.
    const later = Array.from({ length: 60 }, () => limiter.take());
    assert.equal(later.at(-1)?.retryAfterMs, 1280);
    assert.equal(later.at(-1)?.retryAfterSeconds, 2);
    assert.equal(later[0]?.retryAfterSeconds, 1);
    // Once the promised slots are past, a refusal is told when the next token is due, not a stale queue position.
    await clock.advance(5_000);
    for (let i = 0; i < 50; i++) assert.equal(limiter.take().allowed, true);
    assert.equal(limiter.take().retryAfterMs, 20);
  });

  it('never promises a slot more than a minute ahead', () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1 }, new FakeClock(0));
    limiter.take();
    let last: number | undefined;
    for (let i = 0; i < 100; i++) last = limiter.take().retryAfterMs;
    assert.equal(last, MAX_RETRY_AFTER_MS);
  });

  it('asks slow rates to wait several seconds', () => {
    const limiter = new RateLimiter({ ratePerSecond: 0.2, burst: 1 }, new FakeClock(0));
    limiter.take();
    assert.equal(limiter.take().retryAfterSeconds, 5);
  });
});

describe('admission in the pipeline', () => {
  it('answers 429 TooManyRequests with Retry-After and RateLimit headers once the rate is spent', async () => {
    const clock = new FakeClock(Date.now());
    const server = await testServer({ clock, rateLimit: { ratePerSecond: 2, burst: 2 } });
    try {
      const first = await batch(server, 'GET', '/jobs');
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('ratelimit-limit'), '2');
      assert.equal(first.headers.get('ratelimit-remaining'), '1');
      assert.equal((await batch(server, 'GET', '/jobs')).status, 200);
      const refused = await batch(server, 'GET', '/jobs');
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 'TooManyRequests');
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(refused.headers.get('retry-after-ms'), '500', 'the next token is half a second away');
      assert.equal(refused.headers.get('ratelimit-remaining'), '0');
      assert.ok(refused.headers.get('request-id'));
      await clock.advance(1000);
      assert.equal((await batch(server, 'GET', '/jobs')).status, 200, 'admitted again after Retry-After');
    } finally {
      await server.dispose();
    }
  });

  it('answers 503 ServerBusy with Retry-After when too many requests are in flight', async () => {
    const server = await testServer({ maxInFlight: 1 });
    try {
      // A slow request (latency fault) holds the only slot meanwhile.
      const rule = {
        id: 'slow',
        match: { method: 'GET', path: '/jobs/{jobId}' },
        action: { type: 'latency', ms: 1500 },
        count: 1,
      };
      assert.equal(
        (await batch(server, 'POST', '/.batchite/faults', rule, { apiVersion: false })).status,
        201,
      );
      const slow = batch(server, 'GET', '/jobs/slow');
      const busy = await waitForStatus(() => batch(server, 'GET', '/jobs'), 503);
      assert.equal(busy.body.code, 'ServerBusy');
      assert.equal(busy.headers.get('retry-after'), '1');
      assert.equal((await slow).status, 404, 'the slow request is answered normally');
      assert.equal((await batch(server, 'GET', '/jobs')).status, 200, 'its slot is free again');
    } finally {
      await server.dispose();
    }
  });
});

async function waitForStatus(
  call: () => Promise<{ status: number; body: any; headers: Headers }>,
  status: number,
) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const reply = await call();
    if (reply.status === status) return reply;
    if (Date.now() > deadline) throw new Error(`expected ${status}, last saw ${reply.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
