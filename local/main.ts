/**
 * `npm start`: the whole product on this machine. See docs/LOCAL.md.
 *
 *   npm start                      port 3000 (PORT), data kept in .parley/data, demo users seeded
 *   npm start -- --in-memory       a throwaway run (also PARLEY_IN_MEMORY=1)
 *   npm start -- --help
 */
// The SDK's notice that releases after January 2027 need Node 22 is for operators of the cloud functions (which run
// on Node 22); on a developer's Node 20 it is noise at every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { JavaMissingError } from './dynamo';
import { createLog, errorMessage, parseLogLevel } from './log';
import { DEMO_USERS } from './seed';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, startStack, type Stack, type StackOptions } from './stack';

const HELP = `Parley local stack — DynamoDB Local + API Gateway (WebSocket & HTTP) + EventBridge + dev issuer + web client

Usage: npm start -- [options]

Options
  --port <n>              HTTP/WebSocket port on 127.0.0.1 (env PORT; default ${DEFAULT_PORT})
  --in-memory             keep DynamoDB Local in memory; nothing survives (env PARLEY_IN_MEMORY=1)
  --data-dir <dir>        where DynamoDB Local keeps its data (env PARLEY_DATA_DIR; default .parley/data)
  --no-seed               don't seed the demo users and friendships
  --dynamo-endpoint <url> use a DynamoDB you already run instead of starting DynamoDB Local
                          (env PARLEY_DYNAMO_ENDPOINT)
  --table-prefix <p>      physical table names <p>Main, <p>Connections (default "parley-")
  --no-build-web          don't build web/dist when it is missing
  --oidc-issuer <url>     sign users in with your own OpenID Provider instead of the dev issuer: its issuer exactly
                          as its tokens spell iss (env PARLEY_OIDC_ISSUER); keys and endpoints from its discovery doc
  --oidc-client-id <id>   the web client's client id there, also the accepted aud (env PARLEY_OIDC_CLIENT_ID;
                          register http://127.0.0.1:<port>/ as its redirect and post-logout URL)
  --log <level>           silent | error | warn | info | debug (env PARLEY_LOG; default info)
  -h, --help              this help

Environment
  PARLEY_ALLOWED_ORIGINS  more browser origins (comma-separated) for the WebSocket handshake and CORS,
                          e.g. http://localhost:5173 for a Vite dev server
  PARLEY_EVENT_BUS        the event bus PutEvents accepts (default "parley")
  AWS_REGION              region in events and ARNs (default us-east-1)
`;

function parseArgs(argv: string[]): StackOptions & { help?: boolean } {
  const env = process.env;
  const opts: StackOptions & { help?: boolean } = {
    port: env.PORT ? Number(env.PORT) : DEFAULT_PORT,
    inMemory: env.PARLEY_IN_MEMORY === '1' || env.PARLEY_IN_MEMORY === 'true',
    dataDir: env.PARLEY_DATA_DIR || DEFAULT_DATA_DIR,
    dynamoEndpoint: env.PARLEY_DYNAMO_ENDPOINT || undefined,
    extraOrigins: (env.PARLEY_ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    seed: true,
  };
  let oidcIssuer = env.PARLEY_OIDC_ISSUER || undefined;
  let oidcClientId = env.PARLEY_OIDC_CLIENT_ID || undefined;
  let level = parseLogLevel(env.PARLEY_LOG, 'info');
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '-h':
      case '--help':
        opts.help = true;
        break;
      case '--port':
        opts.port = Number(value(i++, arg));
        break;
      case '--in-memory':
        opts.inMemory = true;
        break;
      case '--data-dir':
        opts.dataDir = value(i++, arg);
        break;
      case '--no-seed':
        opts.seed = false;
        break;
      case '--dynamo-endpoint':
        opts.dynamoEndpoint = value(i++, arg);
        break;
      case '--table-prefix':
        opts.tablePrefix = value(i++, arg);
        break;
      case '--no-build-web':
        opts.buildWeb = false;
        break;
      case '--oidc-issuer':
        oidcIssuer = value(i++, arg);
        break;
      case '--oidc-client-id':
        oidcClientId = value(i++, arg);
        break;
      case '--log':
        level = parseLogLevel(value(i++, arg), level);
        break;
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  if (!Number.isInteger(opts.port) || (opts.port as number) < 0 || (opts.port as number) > 65535) throw new Error('the port must be 0-65535');
  if (oidcIssuer || oidcClientId) {
    if (!oidcIssuer || !oidcClientId) throw new Error('--oidc-issuer and --oidc-client-id go together');
    opts.oidc = { issuer: oidcIssuer, audience: [oidcClientId] };
  }
  opts.log = level;
  return opts;
}

/**
 * The commands the banner offers, for THIS stack: its URL and port (PORT=0 or --port give another one than 3000), so
 * that each works pasted as it is into a new terminal — where PORT is not set, hence `npm run event` is told the port.
 * The token is read with node (always there), not jq (often not installed).
 */
function tryCommands(stack: Pick<Stack, 'url' | 'wsUrl'>): string[] {
  const u = stack.url;
  const port = new URL(u).port || '80';
  return [
    `TOKEN=$(curl -s -X POST ${u}/dev/token -H 'content-type: application/json' -d '{"userId":"alice","name":"Alice"}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')`,
    `curl -s ${u}/api/friends -H "authorization: Bearer $TOKEN"`,
    `npx --yes wscat -c "${stack.wsUrl}?token=$TOKEN"     # then: {"action":"sendMessage","to":"bob","content":"hi","clientMessageId":"c-1"}`,
    `PORT=${port} npm run event -- AchievementUnlocked '{"userId":"bob","achievement":{"id":"a1","name":"First chat"}}'`,
  ];
}

function banner(stack: Stack, opts: StackOptions): string {
  const u = stack.url;
  const data = stack.dynamo ? (stack.dynamo.dataDir ? `data kept in ${stack.dynamo.dataDir}` : 'in memory (nothing survives a restart)') : `at ${stack.dynamoEndpoint}`;
  const lines = [
    '',
    `  Parley is running at ${u}`,
    '',
    `  Open ${u} in two browser tabs, sign in as alice in one and bob in the other, and chat.`,
    `  Demo users: ${DEMO_USERS.map((d) => d.userId).join(', ')} (alice–bob, alice–carol, bob–carol, carol–dave are friends;`,
    '  alice and dave are not).',
    '',
    '  Try from a terminal (each line as it is; they need only node and curl):',
    ...tryCommands(stack).map((c) => `    ${c}`),
    '',
    `  WebSocket  ${stack.wsUrl}?token=<JWT>`,
    `  REST       ${u}/api/...            @connections  ${u}/_aws/ws/@connections/{id}`,
    `  PutEvents  ${u}/_aws/events        dead letters  ${u}/_aws/events/dead-letters`,
    `  DynamoDB   ${stack.dynamoEndpoint} (tables ${Object.values(stack.tables).join(', ')}; ${data})`,
    `  Seeded     ${opts.seed === false ? 'no (--no-seed)' : 'yes'}`,
    ...stack.notes.map((n) => `  Note: ${n}`),
    '',
    '  Ctrl-C stops everything (DynamoDB Local included).',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return;
  }
  const log = createLog(typeof opts.log === 'string' ? opts.log : 'info');
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection (the stack keeps running)', reason));
  process.on('uncaughtException', (err) => log.error('uncaught exception (the stack keeps running)', err));

  let stack: Stack | undefined;
  let stopping = false;
  let firstSignalAt = 0;
  const shutdown = async (signal: string) => {
    // A terminal's Ctrl-C reaches npm, tsx and us, and tsx relays it too: one press can arrive twice.
    if (stopping && Date.now() - firstSignalAt < 1500) return;
    if (stopping) {
      log.warn(`${signal} again: killing DynamoDB Local and exiting now`);
      stack?.dynamo?.killSync();
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = Date.now();
    log.info(`${signal}: stopping ...`);
    try {
      await stack?.stop();
      stack = undefined; // stopped and verified: nothing for the exit handler to kill
      log.info('stopped (DynamoDB Local included)');
      process.exit(0);
    } catch (err) {
      log.error('stopping failed', err);
      stack?.dynamo?.killSync();
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  process.on('exit', () => stack?.dynamo?.killSync());

  log.info(`starting DynamoDB Local and the gateway${opts.inMemory ? ' (in memory)' : ''} ...`);
  try {
    stack = await startStack({ ...opts, log });
  } catch (err) {
    if (err instanceof JavaMissingError) process.stderr.write(`\n${err.message}\n\n`);
    else log.error('the local stack could not start', err);
    process.exit(1);
  }
  if (stopping) return;
  process.stdout.write(banner(stack, opts) + '\n');
}

void main();
