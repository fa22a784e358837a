/**
 * Schema pieces the frame, REST and event schemas share. Valibot: every check is its own function, so a bundle
 * carries only the checks its handler uses (~6 KB, where zod/mini's shared core was ~25 KB in every handler — see
 * docs/PERFORMANCE.md).
 */
import * as v from 'valibot';
import { LIMITS } from './limits';

export const str = (min: number, max: number) => v.pipe(v.string(), v.minLength(min), v.maxLength(max));
export const userIdSchema = v.pipe(v.string(), v.regex(LIMITS.userId));
export const messageIdSchema = v.pipe(v.string(), v.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/));
/** `att_` + 26 Crockford base32 characters (128 random bits). */
export const attachmentIdSchema = v.pipe(v.string(), v.regex(/^att_[0-9A-HJKMNP-TV-Z]{26}$/));
