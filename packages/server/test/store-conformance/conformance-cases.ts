/**
 * The store conformance suite: every behaviour of the `Store` contract, written once and run over each adapter
 * (`*.sqlite.test.ts`, `*.pg.test.ts`). Each test gets an empty store and a fake clock.
 */
import { after, afterEach, beforeEach, describe } from 'node:test';
import { FakeClock } from '@batchite/retry';
import type { Store } from '../../src/store/store.js';
import { claimCases } from './cases-claims.js';
import { documentCases } from './cases-documents.js';
import { gangCases } from './cases-gangs.js';
import { jobManagerCases } from './cases-job-manager.js';
import { jobScheduleCases } from './cases-job-schedules.js';
import { jobNodeTaskCases } from './cases-job-node-tasks.js';
import { nodeRunCases } from './cases-node-runs.js';
import { nodeUsageCases } from './cases-node-usage.js';
import { rangeCases } from './cases-ranges.js';
import { taskCases } from './cases-tasks.js';
import { T0 } from './fixtures.js';
import { usageCases } from './cases-usage.js';
import type { StoreBackend } from './store-backend.js';

export interface CaseContext {
  readonly store: Store;
  readonly clock: FakeClock;
  /** Another store on the same location (closed after the test). */
  reopen(): Promise<Store>;
}

export function storeConformance(backend: StoreBackend): void {
  describe(`store conformance: ${backend.name}`, () => {
    let current: { store: Store; clock: FakeClock } | undefined;
    const opened: Store[] = [];
    const ctx: CaseContext = {
      get store() {
        if (current === undefined) throw new Error('no store outside a test');
        return current.store;
      },
      get clock() {
        if (current === undefined) throw new Error('no clock outside a test');
        return current.clock;
      },
      async reopen() {
        const store = await backend.reopen(ctx.clock);
        opened.push(store);
        return store;
      },
    };
    beforeEach(async () => {
      const clock = new FakeClock(T0);
      const store = await backend.fresh(clock);
      opened.push(store);
      current = { store, clock };
    });
    afterEach(async () => {
      current = undefined;
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    after(() => backend.dispose());

    documentCases(ctx);
    taskCases(ctx);
    claimCases(ctx);
    nodeRunCases(ctx);
    gangCases(ctx);
    rangeCases(ctx);
    jobManagerCases(ctx);
    jobNodeTaskCases(ctx);
    jobScheduleCases(ctx);
    usageCases(ctx);
    nodeUsageCases(ctx);
  });
}
