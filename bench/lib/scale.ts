/**
 * The scale model (issue #15, part 3): pure and deterministic — no clock, no randomness, no I/O.
 *
 *  - `loadPerUserHour`: what one connected user costs in an hour, from the per-action figures (measured by
 *    `npm run bench:calls`, or the fallback table in scale-profile.ts) and the usage profile;
 *  - `quotaRows` / `firstToBreak`: those rates × N users against each AWS quota (and Parley's own stage throttle);
 *  - `hotKeys`: the hottest DynamoDB keys (a popular user's counter row, a busy conversation, a 1,000-recipient task);
 *  - `monthlyBill`: the same counts × list prices, reusing bench/lib/cost.ts;
 *  - `simulateStorm`: the reconnect storm after a regional blip, every client retrying with the web client's own
 *    backoff (web/src/api/backoff.ts, the function web/src/api/socket.ts calls) against the new-connection quota.
 *
 * Split by responsibility (issue #11); this module re-exports them all, so bench/scale.ts and the unit test import
 * one place:
 *  - scale-load.ts: figures and `loadPerUserHour`;
 *  - scale-quotas.ts: `quotaRows`, `firstToBreak`, `hotKeys`;
 *  - scale-bill.ts: `monthlyBill`;
 *  - scale-storm.ts: `simulateStorm`.
 */
export * from './scale-load';
export * from './scale-quotas';
export * from './scale-bill';
export * from './scale-storm';
