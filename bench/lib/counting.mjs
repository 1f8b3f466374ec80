/**
 * What went on the wire, per client: a `fetch` for `BatchClient` and a request policy for the official SDK,
 * both recording when every attempt was sent and what status came back.
 */
import { performance } from 'node:perf_hooks';

export class Wire {
  /** Send times (ms since `performance.timeOrigin`) of every attempt. */
  sent = [];
  byStatus = new Map();
  networkErrors = 0;

  #count(status) {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  get requests() {
    return this.sent.length;
  }

  status(code) {
    return this.byStatus.get(code) ?? 0;
  }

  get successes() {
    let total = 0;
    for (const [code, count] of this.byStatus) if (code >= 200 && code < 300) total += count;
    return total;
  }

  /** Attempts sent in [from, to). */
  sentBetween(from, to) {
    return this.sent.filter((at) => at >= from && at < to).length;
  }

  /** A `fetch` that records every attempt (`BatchClient({ fetch })`). */
  fetch = async (input, init) => {
    this.sent.push(performance.now());
    try {
      const response = await globalThis.fetch(input, init);
      this.#count(response.status);
      return response;
    } catch (error) {
      this.networkErrors += 1;
      throw error;
    }
  };

  /** An ms-rest-js request policy factory, placed last in the SDK pipeline (below its retry policies). */
  policy() {
    return {
      create: (next) => ({
        sendRequest: async (request) => {
          this.sent.push(performance.now());
          try {
            const response = await next.sendRequest(request);
            this.#count(response.status);
            return response;
          } catch (error) {
            this.networkErrors += 1;
            throw error;
          }
        },
      }),
    };
  }
}
