import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import { RateLimiter } from '../src/admission/rate-limiter.js';
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
