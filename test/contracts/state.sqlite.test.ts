/** Every database-backed port's conformance suite, on SQLite. */
import { sqliteHarness } from './harness.js';
import { describeKeyStoreContract } from './key-store.contract.js';
import { describeRateLimiterContract } from './rate-limiter.contract.js';
import { describeTaskQueueContract } from './task-queue.contract.js';
import { describeTaskRepositoryContract } from './task-repository.contract.js';
import { describeUploadRepositoryContract } from './upload-repository.contract.js';
import { describeUpstreamStateContract } from './upstream-state.contract.js';

const harness = sqliteHarness();
describeTaskRepositoryContract('SQLite', harness);
describeTaskQueueContract('SQLite', harness);
describeUpstreamStateContract('SQLite', harness);
describeKeyStoreContract('SQLite', harness);
describeUploadRepositoryContract('SQLite', harness);
describeRateLimiterContract('SQLite', harness);
