/**
 * The domain's own objects, the ones the contract does not show. The contract's objects (Message, frames, ...) live in
 * lambdas/contract/.
 */
export interface Connection {
  userId: string;
  connectionId: string;
  connectedAt: number;
}
