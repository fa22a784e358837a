/**
 * The first request of a chat message (issue #15): the clientMessageId claim and the sender's rate hit, as ONE
 * PartiQL BatchExecuteStatement of two conditional single writes — 1 write unit each, where inside the message's
 * transaction they were 2 each. Neither needs the transaction: the claim is the idempotency key (an INSERT that
 * fails on an existing key), and the rate state is the sender's own (a conditional UPDATE); what one of them
 * decides is undone if the message is then refused (`release`), so a refused frame stores nothing and counts
 * nothing, as before.
 *
 * The send rate lives on the sender's profile item (`sendTat`, the GCRA state of ../rate.ts), which `$connect`
 * writes before any frame: a PartiQL UPDATE needs an existing item (it never creates one). A profile without
 * `sendTat` (written before this version) counts as idle.
 */
import { BatchExecuteStatementCommand } from '@aws-sdk/client-dynamodb';
import type { RateRule } from '../../../core/ports';
import { documentClient } from '../client';
import { PROFILE_SK, userPk, type Key } from '../keys';
import { firstBranch, interval, nextBranch, remember, tolerance, type RateBranch } from '../rate';

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

/**
 * What a claim holds: the message's id and time, and its fingerprint (core/same-message.ts) — not the message, so
 * the claim is one small item (1 write unit) whatever the message's size.
 */
export interface Claim {
  id: string;
  createdAt: string;
  fp: string;
}

interface Statement {
  Statement: string;
  Parameters: Array<string | number>;
  ReturnValuesOnConditionCheckFailure?: 'ALL_OLD';
}

/**
 * One BatchExecuteStatement (the client's own command: its parameters are only strings and numbers, so the document
 * client's wrapper would add nothing but bytes); each statement's answer in order.
 */
async function run(statements: Statement[]) {
  const out = await documentClient().send(
    new BatchExecuteStatementCommand({
      Statements: statements.map((st) => ({ ...st, Parameters: st.Parameters.map((p) => (typeof p === 'number' ? { N: String(p) } : { S: p })) })),
    }),
  );
  return out.Responses ?? [];
}

/** One branch of the GCRA hit (../rate.ts) as a PartiQL UPDATE of the profile's `sendTat`. */
function rateStatement(table: string, userId: string, rule: RateRule, branch: RateBranch, now: number): Statement {
  const { pk, sk } = profileKey(userId);
  return {
    ...(branch === 'idle'
      ? { Statement: `UPDATE "${table}" SET ${TAT} = ? WHERE pk = ? AND sk = ? AND (${TAT} IS MISSING OR ${TAT} <= ?)`, Parameters: [now + interval(rule), pk, sk, now] }
      : { Statement: `UPDATE "${table}" SET ${TAT} = ${TAT} + ? WHERE pk = ? AND sk = ? AND ${TAT} > ? AND ${TAT} <= ?`, Parameters: [interval(rule), pk, sk, now, now + tolerance(rule)] }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

/**
 * Claims `key` for `messageJson` and counts one hit of `rule` for `userId`: one request, and one more only when the
 * guess of the rate state (idle or busy, ../rate.ts) was wrong — the failed UPDATE returns the stored state.
 */
export async function claimAndCount(table: string, userId: string, key: Key, claim: Claim, rule: RateRule): Promise<ClaimOutcome> {
  const now = Date.now();
  let branch: RateBranch | 'limited' = firstBranch(userId, rule, now);
  let statements: Statement[] = [
    {
      Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'sk': ?, 'id': ?, 'createdAt': ?, 'fp': ?, 'expiresAt': ?}`,
      Parameters: [key.pk, key.sk, claim.id, claim.createdAt, claim.fp, Math.floor(now / 1000) + CMID_TTL_SECONDS],
    },
  ];
  let claimed: boolean | undefined;
  while (branch !== 'limited') {
    const responses = await run([...statements, rateStatement(table, userId, rule, branch, now)]);
    if (claimed === undefined) {
      const code = responses.shift()?.Error?.Code;
      if (code !== undefined && code !== 'DuplicateItem') throw new Error(`clientMessageId claim failed: ${code}`);
      claimed = code === undefined;
      statements = [];
    }
    const error = responses[0]?.Error;
    if (!error) {
      remember(userId, rule, now, branch);
      return { claimed, rate: 'counted' };
    }
    // No old item: the sender has no profile (written by every $connect) — not a state to guess around.
    if (error.Code !== 'ConditionalCheckFailed' || !error.Item) throw new Error(`rate update failed: ${error.Code}`);
    const tat = error.Item[TAT]?.N;
    branch = nextBranch(branch, tat === undefined ? {} : { [TAT]: Number(tat) }, rule, now, TAT);
  }
  return { claimed: claimed as boolean, rate: 'limited' };
}

/**
 * Undoes what `claimAndCount` did for a frame whose message was not stored, in one batch: releases the claim (only
 * if it still holds that message, `claimId`) and, if `counted`, gives the rate hit back. Best effort: a claim left behind is
 * completed or refused by a resend (append-chat.ts), a hit not given back only makes the limit stricter for 10 s.
 */
export async function release(table: string, userId: string, rule: RateRule, key: Key, claimId: string, counted: boolean): Promise<void> {
  const { pk, sk } = profileKey(userId);
  const statements: Statement[] = [
    ...(claimId ? [{ Statement: `DELETE FROM "${table}" WHERE pk = ? AND sk = ? AND id = ?`, Parameters: [key.pk, key.sk, claimId] }] : []),
    ...(counted ? [{ Statement: `UPDATE "${table}" SET ${TAT} = ${TAT} - ? WHERE pk = ? AND sk = ?`, Parameters: [interval(rule), pk, sk] }] : []),
  ];
  if (statements.length) await run(statements).catch(() => undefined);
}
