/**
 * A discrete-event simulation of item 6b's model (100 clients against a token-bucket rate limit of 50 req/s): K clients each run J calls one after
 * another against a token bucket (R per second, burst B), with 4–8 ms of one-way latency. It compares how the
 * server words its Retry-After, for clients that wait Retry-After × (1 + jitter × U(0, 1)):
 *
 *   ceil          whole seconds until the next token (what Batchite's limiter answered at first)
 *   exact-ms      milliseconds until the next token, the same for everyone refused meanwhile
 *   promise-ms    each refused request its own slot, one token interval after the previous one's (Batchite now)
 *   promise-ceil  the same slots rounded up to whole seconds (a client that reads only `Retry-After`)
 *
 * Prints rejected calls per success / makespan ÷ ideal for three seeds. Not part of `npm run bench`.
 *
 *   node bench/rate-limit-sim.mjs
 */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function simulate({ clients = 100, jobs = 10, rate = 50, burst = 50, server, jitter, seed }) {
  const random = seeded(seed);
  const latency = () => 0.004 + random() * 0.004;
  const events = Array.from({ length: clients }, (_, client) => [latency(), client]);
  const left = new Array(clients).fill(jobs);
  let tokens = burst;
  let updated = 0;
  let lastSlot = 0;
  let rejected = 0;
  let succeeded = 0;
  let end = 0;
  while (events.length > 0) {
    events.sort((a, b) => a[0] - b[0]);
    const [time, client] = events.shift();
    tokens = Math.min(burst, tokens + (time - updated) * rate);
    updated = time;
    if (tokens >= 1) {
      tokens -= 1;
      succeeded += 1;
      left[client] -= 1;
      const answered = time + latency();
      end = Math.max(end, answered);
      if (left[client] > 0) events.push([answered + latency(), client]);
      continue;
    }
    rejected += 1;
    const nextToken = (1 - tokens) / rate;
    let wait = Math.max(1, Math.ceil(nextToken));
    if (server === 'exact-ms') wait = nextToken;
    if (server.startsWith('promise')) {
      lastSlot = Math.max(time + nextToken, lastSlot + 1 / rate);
      wait = server === 'promise-ms' ? lastSlot - time : Math.max(1, Math.ceil(lastSlot - time));
    }
    events.push([time + latency() + wait * (1 + jitter * random()) + latency(), client]);
  }
  const ideal = (clients * jobs - burst) / rate;
  return `${(rejected / succeeded).toFixed(2)}/${(end / ideal).toFixed(3)}`;
}

for (const server of ['ceil', 'exact-ms', 'promise-ms', 'promise-ceil']) {
  for (const jitter of [0, 0.5, 1]) {
    const runs = [1, 2, 3].map((seed) => simulate({ server, jitter, seed }));
    console.log(
      `${server.padEnd(13)} jitter ${String(jitter).padEnd(3)} rejected/success / makespan÷ideal: ${runs.join('  ')}`,
    );
  }
}
