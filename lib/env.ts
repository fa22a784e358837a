/**
 * The names the Lambda handlers read at run time live with the handlers (lambdas/shared/env.ts): nothing in lambdas/
 * imports the CDK folder. Re-exported here for lib/ and the local stack, which read them too.
 */
export * from '../lambdas/shared/env';
