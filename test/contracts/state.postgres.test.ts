/** Every database-backed port's conformance suite, on PostgreSQL. */
import { postgresHarness } from './harness.js';
import { describeKeyStoreContract } from './key-store.contract.js';
import { describeRateLimiterContract } from './rate-limiter.contract.js';
import { describeTaskQueueContract } from './task-queue.contract.js';
import { describeTaskRepositoryContract } from './task-repository.contract.js';
import { describeUploadRepositoryContract } from './upload-repository.contract.js';
import { describeUpstreamStateContract } from './upstream-state.contract.js';

const harness = postgresHarness();
describeTaskRepositoryContract('PostgreSQL', harness);
describeTaskQueueContract('PostgreSQL', harness);
describeUpstreamStateContract('PostgreSQL', harness);
describeKeyStoreContract('PostgreSQL', harness);
describeUploadRepositoryContract('PostgreSQL', harness);
describeRateLimiterContract('PostgreSQL', harness);
