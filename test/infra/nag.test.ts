/**
 * cdk-nag AwsSolutions on the synthesized stack: no unacknowledged finding (error or warning) in any variant, every
 * acknowledgement says why, and the check itself does catch a non-compliant resource.
 */
import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { makeWebBuild, removeTemporaryDirs, synth, type Synthesized } from './support';

afterAll(removeTemporaryDirs);

const OIDC = {
  authMode: 'oidc',
  oidcIssuer: 'https://login.example.com',
  oidcAudience: 'parley-web',
};

function findings(s: Synthesized): string[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(s.app);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`));
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason })),
      ),
  );
}

const ACCOUNT = { account: '123456789012', region: 'eu-west-1' };

describe.each([
  ['Cognito, web build, alarm e-mail, extra origin', () => ({ webBuildDir: makeWebBuild(), alarmEmail: 'ops@example.com', extraOrigins: 'https://app.example.com' }), undefined],
  ['bring-your-own OIDC, placeholder page, no reserved concurrency, destroy on delete', () => ({ ...OIDC, webBuildDir: '/nonexistent', reservedConcurrency: 'false', removalPolicy: 'destroy' }), undefined],
  // What `cdk deploy` builds: credentials make the account and region concrete, which changes ARNs in findings.
  ['deploy-time environment (account and region known)', () => ({ webBuildDir: makeWebBuild(), alarmEmail: 'ops@example.com' }), ACCOUNT],
])('%s', (_name, context, env) => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(context(), env);
  });

  test('AwsSolutions reports no unacknowledged finding, error or warning', () => {
    expect(findings(s)).toEqual([]);
  });

  test('every acknowledgement names one rule and gives a real reason', () => {
    const acks = acknowledgements(s.app).filter((a) => a.id.includes('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(10);
    for (const a of acks) {
      expect(a.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      // A reason explains the decision; "ok"/"not needed" would not.
      expect(a.reason.length).toBeGreaterThanOrEqual(60);
    }
    // No blanket acknowledgement on the stack or app: each sits on the construct it is about.
    expect(acks.filter((a) => a.path === s.stack.node.path || a.path === '')).toEqual([]);
  });
});

test('the check is live: an S3 bucket without logging or TLS enforcement is reported', () => {
  const s = synth({ webBuildDir: '/nonexistent' });
  // A fresh construct added after synthesis is still walked by the validator (it reads the construct tree).
  new s3.Bucket(s.stack, 'Careless');
  const found = findings(s);
  expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/AwsSolutions-S1 at .*Careless/), expect.stringMatching(/AwsSolutions-S10 at .*Careless/)]));
});
