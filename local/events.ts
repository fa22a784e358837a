/**
 * EventBridge locally: `PutEvents` (AWS JSON 1.1) at `/_aws/events` for the stock `@aws-sdk/client-eventbridge`
 * client, matched against EVENT_RULES from lib/wiring.ts and handed to the rule's function asynchronously (the
 * caller gets its EventIds first) as an `EventBridgeEvent`. A function that throws is retried like a Lambda async
 * invocation (2 retries, short backoff locally), then the event is kept as a dead letter
 * (`GET /_aws/events/dead-letters`). Entries for another bus or with a malformed Detail fail per entry, as in AWS.
 * An accepted event that no rule matches (a publisher's typo such as "AchievementUnlock") is a dead letter at once,
 * with the detail-types Parley accepts, as the cloud stack's catch-all rule (lib/notifications.ts) routes such events
 * to the same dead-letter queue: a publisher's typo is visible in both homes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBridgeEvent } from 'aws-lambda';
import { EVENT_RULES, type EventRuleDef } from '../lib/wiring';
import type { FunctionRegistry } from './functions';
import { ACCOUNT_ID, BodyTooLargeError, readBody, send, sendJson, sleep } from './http-util';
import { errorMessage, type Log } from './log';

export const EVENTS_PATH = '/_aws/events';
const MAX_ENTRIES = 10;
/** PutEvents' limit on the entries' total size, counted as AWS counts it (entrySize). */
const MAX_ENTRIES_BYTES = 256 * 1024;
/**
 * The request body may be larger than the entries it carries (JSON escaping of each Detail string): read up to this,
 * then judge the entries by AWS's count, so a batch AWS accepts is accepted here too.
 */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** An entry's size as AWS counts it against the request limit (Time 14 bytes, then the UTF-8 strings). */
function entrySize(e: PutEntry): number {
  const bytes = (x: unknown) => (typeof x === 'string' ? Buffer.byteLength(x, 'utf8') : 0);
  const resources = Array.isArray(e.Resources) ? e.Resources.reduce((n: number, r) => n + bytes(r), 0) : 0;
  return 14 + bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail) + resources;
}
const MAX_DEAD_LETTERS = 1000;

export type LocalEvent = EventBridgeEvent<string, unknown>;

export interface DeadLetter {
  event: LocalEvent;
  /** The error message of the last attempt (never a stack). */
  reason: string;
  attempts: number;
  failedAt: string;
}

export interface EventInput {
  /** Fixed id (seeding); a uuid otherwise. */
  id?: string;
  source: string;
  detailType: string;
  detail: unknown;
  time?: Date;
  resources?: string[];
}

export interface EventBusOptions {
  functions: FunctionRegistry;
  log: Log;
  region: string;
  busName: string;
  /** Delays before each retry; its length is the retry count (Lambda async invocation: 2). */
  retryDelaysMs?: number[];
}

type PutEntry = { Source?: unknown; DetailType?: unknown; Detail?: unknown; EventBusName?: unknown; Time?: unknown; Resources?: unknown };
type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** EventBridge time: ISO 8601 without milliseconds. */
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The event a rule hands its target, as EventBridge builds it from a PutEvents entry (pure; test fixtures use it). */
export function bridgeEventOf(input: EventInput, region: string): LocalEvent {
  return {
    version: '0',
    id: input.id ?? randomUUID(),
    'detail-type': input.detailType,
    source: input.source,
    account: ACCOUNT_ID,
    time: isoSeconds(input.time ?? new Date()),
    region,
    resources: input.resources ?? [],
    detail: input.detail,
  };
}

function amzJson(res: ServerResponse, status: number, value: unknown, errorType?: string): void {
  sendJson(res, status, errorType ? { __type: errorType, message: value } : value, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  });
}

export function ruleMatches(rule: EventRuleDef, source: string, detailType: string): boolean {
  if (!rule.pattern['detail-type'].includes(detailType)) return false;
  return !rule.pattern.source || rule.pattern.source.includes(source);
}

/** Why no rule took an event, naming what would have matched. */
function noRuleReason(event: LocalEvent): string {
  const type = event['detail-type'].slice(0, 128);
  const byType = EVENT_RULES.filter((rule) => rule.pattern['detail-type'].includes(event['detail-type']));
  if (byType.length) {
    const sources = byType.flatMap((rule) => rule.pattern.source ?? []);
    return `no rule matches source ${event.source.slice(0, 128)} for detail-type ${type}; Parley accepts sources: ${sources.join(', ')}`;
  }
  const accepted = [...new Set(EVENT_RULES.flatMap((rule) => rule.pattern['detail-type']))];
  return `no rule matches detail-type ${type}; Parley accepts: ${accepted.join(', ')}`;
}

export class LocalEventBus {
  readonly deadLetters: DeadLetter[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelaysMs: number[];

  constructor(private readonly opts: EventBusOptions) {
    this.retryDelaysMs = opts.retryDelaysMs ?? [200, 400];
  }

  get busName(): string {
    return this.opts.busName;
  }

  /** Put one event on the bus (already validated). Delivery starts after the current turn; returns its id. */
  dispatch(input: EventInput): string {
    const event = bridgeEventOf(input, this.opts.region);
    const rules = EVENT_RULES.filter((rule) => ruleMatches(rule, event.source, event['detail-type']));
    if (rules.length === 0) this.deadLetter(event, noRuleReason(event), 0);
    for (const rule of rules) {
      const delivery = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.deliver(rule, event));
      this.inFlight.add(delivery);
      delivery.finally(() => this.inFlight.delete(delivery)).catch(() => undefined);
    }
    return event.id;
  }

  /** Resolves when every accepted event has been handled or dead-lettered. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(rule: EventRuleDef, event: LocalEvent): Promise<void> {
    const { functions, log } = this.opts;
    let attempts = 0;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.retryDelaysMs.length; attempt++) {
      if (attempt > 0) await sleep(this.retryDelaysMs[attempt - 1]);
      attempts++;
      const started = Date.now();
      try {
        await functions.invoke(rule.function, event);
        log.debug(`event ${event['detail-type']} ${event.id} -> ${rule.function} ok ${Date.now() - started}ms`);
        return;
      } catch (err) {
        lastError = err;
        log.warn(`event ${event['detail-type']} ${event.id} -> ${rule.function} failed (attempt ${attempts}): ${errorMessage(err)}`);
      }
    }
    this.deadLetter(event, errorMessage(lastError), attempts, lastError);
  }

  private deadLetter(event: LocalEvent, reason: string, attempts: number, error?: unknown): void {
    this.deadLetters.push({ event, reason, attempts, failedAt: new Date().toISOString() });
    if (this.deadLetters.length > MAX_DEAD_LETTERS) this.deadLetters.shift();
    const after = attempts ? ` after ${attempts} attempts` : '';
    this.opts.log.error(`event ${event['detail-type']} ${event.id} dead-lettered${after}${error ? '' : `: ${reason}`}`, error);
  }

  private busOf(entry: PutEntry): string {
    if (entry.EventBusName === undefined || entry.EventBusName === null || entry.EventBusName === '') return 'default';
    const name = String(entry.EventBusName);
    // An ARN names the bus after "event-bus/".
    return name.startsWith('arn:') ? name.replace(/^.*:event-bus\//, '') : name;
  }

  private accept(entry: PutEntry): EntryResult {
    const invalid = (field: string) => ({ ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` });
    const bus = this.busOf(entry);
    if (bus !== this.opts.busName) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${bus} does not exist.${bus === 'default' ? ` (Set EventBusName: the local stack's bus is "${this.opts.busName}".)` : ''}`,
      };
    }
    if (typeof entry.Source !== 'string' || !entry.Source) return invalid('Source');
    if (typeof entry.DetailType !== 'string' || !entry.DetailType) return invalid('DetailType');
    if (typeof entry.Detail !== 'string' || !entry.Detail) return invalid('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    let time: Date | undefined;
    if (typeof entry.Time === 'number') time = new Date(entry.Time * 1000);
    else if (typeof entry.Time === 'string') time = new Date(entry.Time);
    if (time && Number.isNaN(time.getTime())) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
    const resources = Array.isArray(entry.Resources) ? entry.Resources.filter((r): r is string => typeof r === 'string') : undefined;
    const id = this.dispatch({ source: entry.Source, detailType: entry.DetailType, detail, time, resources });
    return { EventId: id };
  }

  /** Handles `/_aws/events` and `/_aws/events/dead-letters`; returns false for other paths. */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const path = pathname.replace(/\/+$/, '');
    if (path === `${EVENTS_PATH}/dead-letters`) {
      if (req.method === 'GET') sendJson(res, 200, { items: this.deadLetters });
      else if (req.method === 'DELETE') {
        this.deadLetters.length = 0;
        send(res, 204, undefined);
      } else amzJson(res, 405, 'Use GET or DELETE', 'MethodNotAllowed');
      return true;
    }
    if (path !== EVENTS_PATH) return false;
    if (req.method !== 'POST') {
      amzJson(res, 405, 'PutEvents is a POST', 'MethodNotAllowed');
      return true;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target !== 'AWSEvents.PutEvents') {
      req.resume();
      amzJson(res, 400, `Operation ${target || '(none)'} is not supported locally; only AWSEvents.PutEvents`, 'UnknownOperationException');
      return true;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_REQUEST_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) amzJson(res, 400, 'Total size of the entries in the request is over the limit.', 'ValidationException');
      else amzJson(res, 400, 'Could not read the request', 'SerializationException');
      return true;
    }
    let body: { Entries?: unknown };
    try {
      body = JSON.parse(raw.toString('utf8') || '{}');
    } catch {
      amzJson(res, 400, 'Request body is not valid JSON', 'SerializationException');
      return true;
    }
    const entries = body?.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      amzJson(res, 400, `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`, 'ValidationException');
      return true;
    }
    if (entries.reduce((n: number, e) => n + entrySize((e ?? {}) as PutEntry), 0) > MAX_ENTRIES_BYTES) {
      amzJson(res, 400, 'Total size of the entries in the request is over the limit.', 'ValidationException');
      return true;
    }
    const results = entries.map((e) => this.accept((e ?? {}) as PutEntry));
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    amzJson(res, 200, { FailedEntryCount: failed, Entries: results });
    return true;
  }
}
