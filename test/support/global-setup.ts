/**
 * Jest globalSetup (integration and e2e projects): ONE in-memory DynamoDB Local for the whole run. Its endpoint
 * reaches the test workers through PARLEY_TEST_DYNAMO_ENDPOINT (env set here is inherited by the workers); every
 * test stack makes its own tables on it under a unique prefix. PARLEY_TEST_RUN_ID marks every java process this
 * run starts (it is in their environment), so the teardown can prove none is left behind.
 */
import { randomUUID } from 'node:crypto';
import { startDynamoLocal } from '../../local/dynamo';
import { sharedDynamo } from './shared-dynamo';

export default async function globalSetup(): Promise<void> {
  const shared = sharedDynamo();
  if (shared.current) {
    // Both projects (integration, e2e) name this setup: one DynamoDB Local serves them all.
    shared.current.refs++;
    return;
  }
  const runId = process.env.PARLEY_TEST_RUN_ID ?? randomUUID();
  process.env.PARLEY_TEST_RUN_ID = runId;
  const dynamo = await startDynamoLocal({ startTimeoutMs: 90000 });
  process.env.PARLEY_TEST_DYNAMO_ENDPOINT = dynamo.endpoint;
  // Its tables live under its own random key (DynamoDB Local runs without -sharedDb): the workers need it too.
  process.env.PARLEY_TEST_DYNAMO_ACCESS_KEY_ID = dynamo.credentials.accessKeyId;
  process.env.PARLEY_TEST_DYNAMO_SECRET_ACCESS_KEY = dynamo.credentials.secretAccessKey;
  shared.current = { dynamo, runId, refs: 1 };
}
