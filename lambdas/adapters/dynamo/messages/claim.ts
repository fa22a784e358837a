/**
 * The first request of a chat message (issue #15): the clientMessageId claim and the sender's rate hit, as ONE
 * PartiQL BatchExecuteStatement of two conditional single writes — 1 write unit each, where inside the message's
 * transaction they were 2 each. Neither needs the transaction: the claim is the idempotency key (an INSERT that
 * fails on an existing key), and the rate state is the sender's own (a conditional UPDATE); what one of them
 * decides is undone if the message is then refused (`unclaim`, `refund`), so a refused frame stores nothing and
 * counts nothing, as before.
 *
 * The send rate lives on the sender's profile item (`sendTat`, the GCRA state of ../rate.ts), which `$connect`
 * writes before any frame: a PartiQL UPDATE needs an existing item (it never creates one). A profile without
 * `sendTat` (written before this version) takes the UpdateItem path once, which creates the attribute.
 */
import { BatchExecuteStatementCommand, DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RateRule } from '../../../core/ports';
import { documentClient } from '../client';
import { PROFILE_SK, userPk, type Key } from '../keys';
import { firstBranch, interval, nextBranch, remember, storedTat, tolerance, type RateBranch } from '../rate';
import type { Item } from './items';

/** Idempotency rows for clientMessageId live this long (a client retry comes within minutes). */
const CMID_TTL_SECONDS = 7 * 24 * 3600;
const TAT = 'sendTat';

export interface ClaimOutcome {
  /** false: the key was claimed before (a resend, or a first attempt still under way or cut short). */
  claimed: boolean;
  /** Whether this frame was counted against the sender's rate ('limited': not counted, over the limit). */
  rate: 'counted' | 'limited';
}

const profileKey = (userId: string): Key => ({ pk: userPk(userId), sk: PROFILE_SK });

function rateStatement(table: string, userId: string, rule: RateRule, branch: RateBranch, now: number) {
  const { pk, sk } = profileKey(userId);
  return branch === 'idle'
    ? { Statement: `UPDATE "${table}" SET ${TAT} = ? WHERE pk = ? AND sk = ? AND ${TAT} <= ?`, Parameters: [now + interval(rule), pk, sk, now] }
    : {
        Statement: `UPDATE "${table}" SET ${TAT} = ${TAT} + ? WHERE pk = ? AND sk = ? AND ${TAT} > ? AND ${TAT} <= ?`,
        Parameters: [interval(rule), pk, sk, now, now + tolerance(rule)],
      };
}

/** Claims `key` for `messageJson` and counts one hit of `rule` for `userId`, in one request. */
export async function claimAndCount(table: string, userId: string, key: Key, messageJson: string, rule: RateRule): Promise<ClaimOutcome> {
  const now = Date.now();
  const branch = firstBranch(userId, rule, now);
  const out = await documentClient().send(
    new BatchExecuteStatementCommand({
      Statements: [
        {
          Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'sk': ?, 'message': ?, 'expiresAt': ?}`,
          Parameters: [key.pk, key.sk, messageJson, Math.floor(now / 1000) + CMID_TTL_SECONDS],
        },
        { ...rateStatement(table, userId, rule, branch, now), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
      ],
    }),
  );
  const [claim, hit] = out.Responses ?? [];
  const claimCode = claim?.Error?.Code;
  if (claimCode !== undefined && claimCode !== 'DuplicateItem') throw new Error(`clientMessageId claim failed: ${claimCode}`);
  let rate: ClaimOutcome['rate'] = 'counted';
  if (hit?.Error) {
    if (hit.Error.Code !== 'ConditionalCheckFailed') throw new Error(`rate update failed: ${hit.Error.Code}`);
    rate = await countAgain(table, userId, rule, branch, hit.Error.Item as Item | undefined, now);
  } else {
    remember(userId, rule, now, branch);
  }
  return { claimed: claimCode === undefined, rate };
}

/**
 * The batch's guess of the rate state was wrong (or the profile has no rate state yet): the other branch as a
 * conditional UpdateItem (which may create the attribute), until counted or refused.
 */
async function countAgain(table: string, userId: string, rule: RateRule, tried: RateBranch, stored: Item | undefined, now: number): Promise<ClaimOutcome['rate']> {
  let branch: RateBranch | 'limited' = storedTat(stored, TAT) === undefined ? 'idle' : nextBranch(tried, stored, rule, now, TAT);
  for (let attempt = 0; attempt < 3 && branch !== 'limited'; attempt++) {
    const step = interval(rule);
    const idle = branch === 'idle';
    try {
      await documentClient().send(
        new UpdateCommand({
          TableName: table,
          Key: profileKey(userId),
          UpdateExpression: idle ? `SET ${TAT} = :next` : `SET ${TAT} = ${TAT} + :step`,
          ConditionExpression: idle ? `attribute_not_exists(${TAT}) OR ${TAT} <= :now` : `${TAT} > :now AND ${TAT} <= :limit`,
          ExpressionAttributeValues: idle ? { ':next': now + step, ':now': now } : { ':step': step, ':now': now, ':limit': now + tolerance(rule) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      remember(userId, rule, now, branch, storedTat(stored, TAT));
      return 'counted';
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      // The exception carries the old item in DynamoDB's wire shape.
      const old = (err as { Item?: Record<string, { N?: string }> }).Item?.[TAT];
      stored = old?.N !== undefined ? { [TAT]: Number(old.N) } : undefined;
      branch = nextBranch(branch, stored, rule, now, TAT);
    }
  }
  return 'limited';
}

/** Gives back a hit that ended in a refusal or a resend (best effort: a lost refund only makes the limit stricter). */
export async function refund(table: string, userId: string, rule: RateRule): Promise<void> {
  await documentClient().send(
    new UpdateCommand({
      TableName: table,
      Key: profileKey(userId),
      UpdateExpression: `SET ${TAT} = ${TAT} - :step`,
      ConditionExpression: `attribute_exists(${TAT})`,
      ExpressionAttributeValues: { ':step': interval(rule) },
    }),
  );
}

/** Releases a claim this frame made for a message that was not stored (only if it still holds that message). */
export async function unclaim(table: string, key: Key, messageJson: string): Promise<void> {
  await documentClient().send(
    new DeleteCommand({ TableName: table, Key: key, ConditionExpression: 'message = :m', ExpressionAttributeValues: { ':m': messageJson } }),
  );
}
