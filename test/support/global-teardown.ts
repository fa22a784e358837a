/** Jest globalTeardown: stop the shared DynamoDB Local and check that no java process of this run remains. */
import { isPidAlive, javaPidsWithEnv } from '../../local/dynamo';
import { sharedDynamo } from './shared-dynamo';

export default async function globalTeardown(): Promise<void> {
  const shared = sharedDynamo();
  const current = shared.current;
  if (!current || --current.refs > 0) return;
  shared.current = undefined;
  await current.dynamo.stop();
  delete process.env.PARLEY_TEST_DYNAMO_ENDPOINT;

  const leftovers = javaPidsWithEnv('PARLEY_TEST_RUN_ID', current.runId).filter(isPidAlive);
  if (leftovers.length) {
    for (const pid of leftovers) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    throw new Error(`DynamoDB Local java process(es) ${leftovers.join(', ')} of this test run were still running (now killed): a stack was not stopped`);
  }
}
