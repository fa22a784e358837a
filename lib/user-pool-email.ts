/**
 * How the Cognito user pool sends e-mail (invitations, verification codes, password resets). Cognito's built-in
 * sender allows only a handful a day (50 per account per day, Cognito quotas), so beyond a trial ops point the pool at
 * an Amazon SES identity they verified in the stack's region: context `cognitoSesFromEmail` (and
 * `cognitoSesVerifiedDomain` when the verified identity is the domain, not the address). docs/DEPLOY.md,
 * "E-mail from Cognito", has the SES steps.
 *
 * Set on the pool's CloudFormation resource here rather than in lib/auth.ts so auth keeps one concern (who users
 * are); the result is what CDK's `UserPoolEmail.withSES` renders (EmailSendingAccount DEVELOPER, From, SourceArn).
 * https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html
 */
import { Stack } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';

export interface SesEmail {
  /** Sender address; it, or its domain, must be a verified SES identity in the stack's region. */
  fromEmail: string;
  /** Set when the verified identity is this domain rather than the address. */
  verifiedDomain?: string;
}

export const EMAIL_SENDER_NAME = 'Parley';

export function sendUserPoolEmailWithSes(pool: cognito.UserPool, ses: SesEmail): void {
  const resource = pool.node.defaultChild as cognito.CfnUserPool;
  resource.emailConfiguration = {
    emailSendingAccount: 'DEVELOPER',
    from: `${EMAIL_SENDER_NAME} <${ses.fromEmail}>`,
    sourceArn: Stack.of(pool).formatArn({ service: 'ses', resource: 'identity', resourceName: ses.verifiedDomain ?? ses.fromEmail }),
  };
}
