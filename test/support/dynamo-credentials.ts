/**
 * The key under which the test run's DynamoDB Local keeps the stacks' tables (global-setup.ts, or the stack a
 * one-off run started): DynamoDB Local runs without -sharedDb, so a client with any other key sees an empty database.
 */
import type { DynamoCredentials } from '../../local/dynamo';

export function testDynamoCredentials(): DynamoCredentials {
  return {
    accessKeyId: process.env.PARLEY_TEST_DYNAMO_ACCESS_KEY_ID || 'local',
    secretAccessKey: process.env.PARLEY_TEST_DYNAMO_SECRET_ACCESS_KEY || 'local',
  };
}
