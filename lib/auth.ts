/**
 * Who users are: a Cognito user pool made by the stack (default) or a bring-your-own OIDC issuer from context.
 * Either way the WebSocket authorizer gets the settings the local stack gives it (JWT_ISSUER, JWT_AUDIENCE and, when
 * known, JWKS_URI — else it reads the issuer's discovery document) and runs the same verifier code
 * (lambdas/adapters/jwt.ts); the HTTP API's JWT authorizer gets the same issuer and audience.
 */
import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { AuthSettings } from './config';
import { cognitoDomainPrefixParts } from './names';
import type { WebConfig } from '../lambdas/contract/web-config';

export type WebAuthConfig = Extract<WebConfig['auth'], { mode: 'oidc' }>;

export interface AuthProps {
  settings: AuthSettings;
  stage: string;
  removalPolicy: RemovalPolicy;
}

export class Auth extends Construct {
  /** Values for JWT_ISSUER / JWT_AUDIENCE / JWKS_URI (undefined: found through discovery). */
  readonly issuer: string;
  readonly jwksUri?: string;
  /** Origins the browser must reach for login (discovery, token endpoint): goes into the CSP connect-src. */
  readonly browserOrigins: string[];
  readonly userPool?: cognito.UserPool;
  readonly domain?: cognito.UserPoolDomain;
  private client?: cognito.UserPoolClient;
  private readonly settings: AuthSettings;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    this.settings = props.settings;
    const s = props.settings;
    if (s.mode === 'oidc') {
      this.issuer = s.issuer;
      this.jwksUri = s.jwksUri;
      // The browser fetches the discovery document from the issuer's origin, then the token endpoint (configured,
      // or on the issuer's origin for the providers we know; one elsewhere must be configured — docs/DEPLOY.md).
      this.browserOrigins = [...new Set([s.issuer, s.endpoints.token, s.endpoints.endSession].filter((u): u is string => !!u).map((u) => new URL(u).origin))];
      return;
    }

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: s.selfSignUp,
      signInAliases: { email: true, username: false },
      autoVerify: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        // The contract's display name is the `name` claim.
        fullname: { required: false, mutable: true },
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is OPTIONAL (TOTP) rather than required: Parley is a consumer chat whose users enrol a second factor themselves; ' +
          'ops can tighten to REQUIRED in lib/auth.ts without other changes.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection (compromised-credential and risky sign-in detection) needs the Cognito Plus feature plan, ' +
          'billed per monthly active user; Essentials is used for cost. Strong password policy, email-only recovery ' +
          'and optional TOTP are on.',
      },
    );

    // A hosted-UI prefix must be unique per region: by default "parley-<stage>-<stack uuid>".
    const domainPrefix = s.domainPrefix ?? Fn.join('-', cognitoDomainPrefixParts(props.stage, Stack.of(this).stackId));
    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix } });
    this.issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}`;
    this.jwksUri = `${this.issuer}/.well-known/jwks.json`;
    this.browserOrigins = [this.domain.baseUrl()];
  }

  /**
   * The web app client: authorization code with PKCE, no client secret (a browser can't keep one).
   * Cognito mode only; call once with the URLs the hosted UI may redirect back to.
   */
  addWebClient(redirectUrls: string[]): void {
    if (!this.userPool || this.settings.mode !== 'cognito') return;
    const urls = [...new Set([...redirectUrls, ...this.settings.extraCallbackUrls])];
    this.client = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: urls,
        logoutUrls: urls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
  }

  get userPoolClient(): cognito.UserPoolClient | undefined {
    return this.client;
  }

  /** Accepted `aud` values: the app client id (Cognito ID tokens carry it as `aud`), or the configured audiences. */
  get audiences(): string[] {
    if (this.settings.mode === 'oidc') return this.settings.audience;
    if (!this.client) throw new Error('Auth.addWebClient must run before the audience is read');
    return [this.client.userPoolClientId];
  }

  /** JWT_AUDIENCE: the audiences, comma-separated. */
  get audience(): string {
    return this.audiences.join(',');
  }

  /** The `auth` part of the web client's config.json. */
  webConfig(redirectUri: string): WebAuthConfig {
    const s = this.settings;
    if (s.mode === 'oidc') {
      return {
        mode: 'oidc',
        issuer: s.issuer,
        clientId: s.clientId,
        scopes: s.scopes,
        redirectUri,
        ...(Object.keys(s.endpoints).length ? { endpoints: s.endpoints } : {}),
      };
    }
    if (!this.domain || !this.client) throw new Error('Auth.addWebClient must run before webConfig');
    const base = this.domain.baseUrl();
    // Cognito's hosted UI endpoints are known, so the client needs no discovery (whose document lacks Cognito's
    // non-standard /logout anyway).
    return {
      mode: 'oidc',
      issuer: this.issuer,
      clientId: this.client.userPoolClientId,
      scopes: ['openid', 'email', 'profile'],
      redirectUri,
      endpoints: { authorization: `${base}/oauth2/authorize`, token: `${base}/oauth2/token`, endSession: `${base}/logout` },
    };
  }
}
