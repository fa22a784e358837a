/**
 * The names the Lambda handlers read at run time live with the handlers: the environment variables in
 * lambdas/shared/env.ts, the event detail types in the contract (lambdas/contract/event-types.ts). Nothing in lambdas/
 * imports the CDK folder. Re-exported here for lib/ and the local stack, which read them too.
 */
export { ENV } from '../lambdas/shared/env';
export { EVENT_DETAIL_TYPES, type EventDetailType } from '../lambdas/contract/event-types';
