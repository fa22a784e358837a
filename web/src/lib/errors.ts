/** The contract's error codes as sentences a user understands. */
export function errorText(code: string, peerName?: string): string {
  switch (code) {
    case 'NOT_FRIENDS':
      return peerName ? `You and ${peerName} are not friends, so this can't be sent.` : "You're not friends, so this can't be sent.";
    case 'RATE_LIMITED':
      return "You're sending too fast. Wait a few seconds and retry.";
    case 'TOO_LARGE':
      return 'Too long: a message can have at most 4,000 characters.';
    case 'BAD_REQUEST':
      return "The server couldn't accept this message.";
    case 'NETWORK':
      return 'The server cannot be reached. Check your connection and try again.';
    case 'NOT_FOUND':
      return 'It is not there any more (deleted elsewhere?).';
    case 'TIMEOUT':
      return 'Not delivered yet. Check your connection and retry.';
    default:
      return 'Something went wrong on the server. Please retry.';
  }
}
