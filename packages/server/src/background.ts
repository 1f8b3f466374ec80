import type { ServiceLog } from './services/service-context.js';

/** Work that runs after a response (finishing deletes). `drain()` waits for all of it before shutdown. */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();
  constructor(private readonly logger: ServiceLog) {}

  run(label: string, work: () => Promise<void>): void {
    const promise = Promise.resolve()
      .then(work)
      .catch((error: unknown) => this.logger.error({ err: error, work: label }, 'background work failed'))
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
