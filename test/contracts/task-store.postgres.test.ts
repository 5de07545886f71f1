import { openPostgresBackend, type PostgresBackend } from '../../src/tasks/postgres/index.js';
import { dropSchema, newSchemaName, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { describeTaskStoreContract, type StoreHarness } from './task-store.contract.js';
import { describeUpstreamStateContract } from './upstream-state.contract.js';

let schema = '';
let backend: PostgresBackend | undefined;

const harness: StoreHarness = {
  async open() {
    schema = newSchemaName();
    backend = await openPostgresBackend({ url: TEST_DATABASE_URL, schema });
    return backend.store;
  },
  async cleanup() {
    await backend?.close();
    await dropSchema(schema);
  },
};

describeTaskStoreContract('PostgreSQL', harness);
describeUpstreamStateContract('PostgreSQL', harness);
