#!/usr/bin/env node
/**
 * CDK app: `npx cdk synth | deploy | destroy` (cdk.json runs this with tsx). Options come from CDK context —
 * see docs/DEPLOY.md ("Context options"). Before the stack is built, the web client is built with
 * `npm run build:web` when that script exists (skip: `-c buildWeb=false`). cdk-nag's AwsSolutions checks run on
 * every synth: an unacknowledged finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext, PROJECT_ROOT } from '../lib/config';
import { ParleyStack } from '../lib/parley-stack';
import { buildWebClient } from '../lib/web-build';

const app = new App();
const config = configFromContext(app.node);
buildWebClient(PROJECT_ROOT, config.buildWeb);
new ParleyStack(app, `Parley-${config.stage}`, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
