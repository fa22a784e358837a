#!/usr/bin/env node
/**
 * CDK app: `npx cdk synth | deploy | destroy` (cdk.json runs this with tsx). Options come from CDK context —
 * see docs/DEPLOY.md ("Context options"). cdk-nag's AwsSolutions checks run on every synth: an unsuppressed
 * finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from '../lib/config';
import { ParleyStack } from '../lib/parley-stack';

const app = new App();
const config = configFromContext(app.node);
new ParleyStack(app, `Parley-${config.stage}`, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
