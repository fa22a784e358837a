/**
 * `npm run event -- <DetailType> '<detail JSON>' [--source app.example] [--bus parley] [--aws]`
 *
 * Publishes one event through the typed publisher client (publishers/index.ts) on the stock EventBridge client: to
 * the local stack's PutEvents endpoint by default (http://127.0.0.1:${PORT:-3000}/_aws/events, or
 * PARLEY_EVENTS_ENDPOINT / --endpoint), or to real AWS with --aws (your usual credentials and region). The detail is
 * validated first, as a publisher's service would: a bad one is refused with the handler's reason (exit 1) and not
 * sent. --raw skips that, to watch Parley dead-letter a bad event. Prints the EventId, or each failure and exits 1.
 */
// The SDK's Node 22 notice (for releases after January 2027) is noise on every publish from a developer's Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DEFAULT_EVENT_BUS_NAME, EVENT_DETAIL_TYPES } from '../lib/wiring';
import { InvalidEventError, PublishError, publish, type ParleyEvent } from '../publishers';

const EXAMPLES: Record<(typeof EVENT_DETAIL_TYPES)[number], { effect: string; detail: unknown }> = {
  AchievementUnlocked: {
    effect: 'SYSTEM_ACHIEVEMENT to userId',
    detail: { userId: 'bob', achievement: { id: 'a1', name: 'First chat', description: 'Sent a first message' } },
  },
  WorkPurchased: {
    effect: 'SYSTEM_PURCHASE to sellerId',
    detail: { sellerId: 'alice', buyer: { id: 'bob', name: 'Bob' }, work: { id: 'w1', title: 'Sunset' }, price: { amount: 12.5, currency: 'EUR' } },
  },
  UserFollowed: { effect: 'SYSTEM_FOLLOW to userId', detail: { userId: 'carol', follower: { id: 'dave', name: 'Dave' } } },
  FriendshipCreated: { effect: 'a and b become friends; SYSTEM_FRIEND to both', detail: { userIds: ['alice', 'dave'], names: { alice: 'Alice', dave: 'Dave' } } },
  FriendshipRemoved: { effect: 'no longer friends; no message', detail: { userIds: ['alice', 'dave'] } },
  TaskNotification: { effect: 'SYSTEM_TASK to each of 1-1000 users', detail: { userIds: ['alice', 'bob'], task: { id: 't1', title: 'Fill in your profile' }, content: 'Takes a minute' } },
};

const DEFAULT_SOURCE = 'app.example';

function help(): string {
  const lines = [
    'Publish one Parley event: validated as Parley will, then sent with the typed publisher client (publishers/) on the stock EventBridge client.',
    '',
    "Usage: npm run event -- <DetailType> '<detail JSON>' [options]",
    '',
    'Options',
    `  --source <s>     the event source (default ${DEFAULT_SOURCE})`,
    `  --bus <name>     the event bus (default PARLEY_EVENT_BUS or ${DEFAULT_EVENT_BUS_NAME})`,
    '  --endpoint <url> another PutEvents endpoint (also PARLEY_EVENTS_ENDPOINT)',
    '  --aws            publish to real AWS (your credentials and region) instead of the local stack',
    '  --region <r>     region (default AWS_REGION or us-east-1)',
    "  --raw            send the detail as given, unvalidated (to see Parley dead-letter a bad event)",
    '  -h, --help       this help',
    '',
    'By default events go to the local stack at http://127.0.0.1:${PORT:-3000}/_aws/events.',
    '',
    'Detail types',
  ];
  for (const type of EVENT_DETAIL_TYPES) {
    lines.push(`  ${type}: ${EXAMPLES[type].effect}`, `    npm run event -- ${type} '${JSON.stringify(EXAMPLES[type].detail)}'`);
  }
  return lines.join('\n') + '\n';
}

interface Args {
  detailType?: string;
  detail?: string;
  source: string;
  bus: string;
  endpoint?: string;
  aws: boolean;
  region: string;
  raw: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    source: DEFAULT_SOURCE,
    bus: process.env.PARLEY_EVENT_BUS || DEFAULT_EVENT_BUS_NAME,
    endpoint: process.env.PARLEY_EVENTS_ENDPOINT || undefined,
    aws: false,
    region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
    raw: false,
    help: false,
  };
  const positional: string[] = [];
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') args.help = true;
    else if (a === '--source') args.source = value(i++, a);
    else if (a === '--bus') args.bus = value(i++, a);
    else if (a === '--endpoint') args.endpoint = value(i++, a);
    else if (a === '--region') args.region = value(i++, a);
    else if (a === '--aws') args.aws = true;
    else if (a === '--raw') args.raw = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a} (see --help)`);
    else positional.push(a);
  }
  if (positional.length > 2) throw new Error('expected <DetailType> and one detail JSON argument (quote the JSON)');
  [args.detailType, args.detail] = positional;
  return args;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (args.help || !args.detailType) {
    (args.help ? process.stdout : process.stderr).write(help());
    return args.help ? 0 : 2;
  }
  if (!args.detail) {
    process.stderr.write(`missing the detail JSON, e.g.\n  npm run event -- ${args.detailType} '{"userId":"bob"}'\n`);
    return 2;
  }
  let detail: unknown;
  try {
    detail = JSON.parse(args.detail);
    if (!detail || typeof detail !== 'object' || Array.isArray(detail)) throw new Error('not an object');
  } catch {
    process.stderr.write(`the detail must be a JSON object; got: ${args.detail}\n`);
    return 2;
  }

  const local = !args.aws;
  const endpoint = args.endpoint ?? (local ? `http://127.0.0.1:${process.env.PORT || 3000}/_aws/events` : undefined);
  const client = new EventBridgeClient({
    region: args.region,
    ...(endpoint ? { endpoint } : {}),
    // The local endpoint takes any credentials; real AWS uses the default provider chain.
    ...(local && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: local ? 1 : 3,
  });
  try {
    if (args.raw) {
      const out = await client.send(
        new PutEventsCommand({ Entries: [{ Source: args.source, DetailType: args.detailType, Detail: args.detail, EventBusName: args.bus }] }),
      );
      const entry = out.Entries?.[0];
      if (out.FailedEntryCount || !entry?.EventId) {
        process.stderr.write(`failed: ${entry?.ErrorCode ?? 'unknown'}: ${entry?.ErrorMessage ?? 'no EventId returned'}\n`);
        return 1;
      }
      process.stdout.write(`${entry.EventId}\n`);
      return 0;
    }
    const event = { type: args.detailType, detail } as ParleyEvent;
    const [outcome] = await publish(client, event, { busName: args.bus, source: args.source });
    process.stdout.write(`${outcome.eventId}\n`);
    return 0;
  } catch (err) {
    if (err instanceof InvalidEventError) {
      process.stderr.write(`invalid ${err.type} event, not sent: ${err.reason}\n`);
      return 1;
    }
    const e = (err instanceof PublishError && err.cause ? err.cause : err) as Error & { code?: string };
    const hint = e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(e.message)) ? ` (is the local stack running? npm start; endpoint ${endpoint})` : '';
    if (err instanceof PublishError) {
      for (const o of err.entries) {
        if (o.eventId) process.stdout.write(`${o.eventId}\n`);
        else process.stderr.write(`failed: ${o.type}: ${o.errorCode}: ${o.errorMessage} (after ${o.attempts} attempt${o.attempts === 1 ? '' : 's'})${hint}\n`);
      }
      return 1;
    }
    process.stderr.write(`failed: ${e.name}: ${e.message}${hint}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}

void main().then((code) => process.exit(code));
