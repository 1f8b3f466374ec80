/** What the conformance suite needs from an adapter under test. */
import type { Clock } from '@batchite/retry';
import type { Store } from '../../src/store/store.js';

export interface StoreBackend {
  /** `sqlite` or `postgres`, shown in test names. */
  readonly name: string;
  /** Opens a store on a new, empty location. */
  fresh(clock: Clock): Promise<Store>;
  /** Opens another store on the location of the last `fresh` one (a restart, or a second server). */
  reopen(clock: Clock): Promise<Store>;
  /** Releases the locations (temp files, databases) after the suite. */
  dispose(): Promise<void>;
}
