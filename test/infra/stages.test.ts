/**
 * Two stages side by side in one account and region with default settings (docs/DEPLOY.md, "Several stages in one
 * account"): nothing either stack names itself may be claimed by the other, in the region or account-wide.
 */
import { parseConfig } from '../../lib/config';
import { DEFAULT_EVENT_BUS_NAME } from '../../lib/wiring';
import { collisions, physicalNames } from './names';
import { logicalIdOf, removeTemporaryDirs, resourcesOfType, synth, type Synthesized } from './support';

afterAll(removeTemporaryDirs);

const ENV = { account: '123456789012', region: 'eu-central-1' };
const names = (s: Synthesized) => physicalNames(s.json, { stackName: s.stack.stackName, region: ENV.region, account: ENV.account });
let prod: Synthesized;
let staging: Synthesized;

beforeAll(() => {
  prod = synth({ webBuildDir: '/nonexistent' }, ENV);
  staging = synth({ stage: 'staging', webBuildDir: '/nonexistent' }, ENV);
});

test('no physical name of one stage is claimed by the other, in the region or account-wide', () => {
  expect(names(prod).length).toBeGreaterThan(40);
  expect(collisions(names(prod), names(staging), ['account', 'region'])).toEqual([]);
});

test(`the default stage keeps the contract's bus "${DEFAULT_EVENT_BUS_NAME}"; any other stage defaults to "${DEFAULT_EVENT_BUS_NAME}-<stage>"`, () => {
  const busName = (s: Synthesized) => s.json.Resources[logicalIdOf(s.stack.notifications.bus)].Properties.Name;
  expect(busName(prod)).toBe(DEFAULT_EVENT_BUS_NAME);
  expect(busName(staging)).toBe(`${DEFAULT_EVENT_BUS_NAME}-staging`);
  // A configured name wins in any stage (the contract: "bus parley unless configured").
  expect(parseConfig((k) => ({ stage: 'staging', eventBusName: 'acme' } as Record<string, string>)[k]).eventBusName).toBe('acme');
  expect(parseConfig((k) => ({ eventBusName: 'acme' } as Record<string, string>)[k]).eventBusName).toBe('acme');
});

test("both stacks set API Gateway's regional logging role by default, each to a role of its own that outlives it", () => {
  // A per-region account setting, not a name: the second stack re-points it at an equivalent role. Neither role is
  // deleted with its stack, so the setting never dangles (docs/DEPLOY.md says how to leave it to one stage).
  for (const s of [prod, staging]) {
    const [, account] = resourcesOfType(s, 'AWS::ApiGateway::Account')[0];
    const role = s.json.Resources[account.Properties.CloudWatchRoleArn['Fn::GetAtt'][0]];
    expect(role.DeletionPolicy).toBe('Retain');
  }
});
