/**
 * EventBridge target for the app's events (CONTRACT.md "Events"). Validates the detail, then stores and pushes
 * system messages / updates the friend graph. A detail that does not fit throws InvalidEventError with the reason:
 * it is retried a bounded number of times and then kept in the dead-letter queue.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import type * as v from 'valibot';
import { notifyDeps } from '../adapters/container';
import { EVENT_DETAIL_TYPES, type EventDetailType } from '../contract/event-types';
import { eventDetailSchemas, type EventDetails } from '../contract/events';
import { check } from '../contract/validate';
import { InvalidEventError, handleEvent, type NotifyResult } from '../core/notifications';
import { logger, startInvocation } from '../shared/logger';

const isKnown = (t: string): t is EventDetailType => (EVENT_DETAIL_TYPES as readonly string[]).includes(t);

export const handler = async (event: EventBridgeEvent<string, unknown>, context?: Context): Promise<NotifyResult> => {
  startInvocation(context);
  const detailType = event['detail-type'];
  const log = { eventId: event.id, detailType, source: event.source };
  if (!isKnown(detailType)) {
    logger.error('event rejected', { ...log, reason: 'unknown detail-type' });
    throw new InvalidEventError(`unknown detail-type "${String(detailType).slice(0, 64)}"`);
  }
  // One schema per detail type, and the detail's type inferred from that schema: the cast only tells TypeScript
  // that the schema picked by `detailType` is the one for `detailType` (a union it cannot correlate by itself).
  const parsed = check(eventDetailSchemas[detailType] as v.GenericSchema<unknown, EventDetails[typeof detailType]>, event.detail);
  if (!parsed.success) {
    const reason = `${detailType}: ${parsed.reason}`;
    logger.error('event rejected', { ...log, reason });
    throw new InvalidEventError(reason);
  }
  const result = await handleEvent(
    notifyDeps(),
    { id: event.id, detailType, time: event.time, detail: parsed.data },
    parsed.data,
  );
  logger.info('event handled', { ...log, ...result });
  return result;
};
