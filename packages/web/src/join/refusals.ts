/** Why a person is not (or no longer) in the meeting, in words. */
export interface Explanation {
  title: string;
  detail: string;
  /** Whether trying again may work (offer a button). */
  retry: boolean;
}

/**
 * The words for a close code (the server's `CLOSE_CODES`, or a WebSocket code). `joinFrom` is
 * the refusal's opening time, shown by the countdown instead.
 */
export function explainClose(code: number, reason: string): Explanation {
  switch (code) {
    case 1000:
      return { title: 'You left the meeting', detail: 'You can join again.', retry: true };
    case 4401:
      return {
        title: 'This link no longer works',
        detail:
          'Its token is invalid or has been reset. Ask the person who invited you for a new link.',
        retry: false,
      };
    case 4404:
      return {
        title: 'This meeting does not exist',
        detail: 'It may have been deleted. Ask the person who invited you for a new link.',
        retry: false,
      };
    case 4409:
      return {
        title: 'The meeting is hosted elsewhere',
        detail: 'Another Conclave server is hosting it right now. Try again in a moment.',
        retry: true,
      };
    case 4410:
      return {
        title: 'The meeting has not opened yet',
        detail: 'You can join when it opens.',
        retry: true,
      };
    case 4411:
      return {
        title: 'The meeting is closed',
        detail: 'It is past the time when people could join.',
        retry: false,
      };
    case 4412:
      return {
        title: 'The meeting is full',
        detail: 'Every place is taken. Try again when someone leaves.',
        retry: true,
      };
    case 4413:
      return {
        title: 'The meeting is locked',
        detail: 'A moderator locked it: nobody new can join until they unlock it.',
        retry: true,
      };
    case 4420:
      return {
        title: 'You were removed from the meeting',
        detail: 'A moderator removed you.',
        retry: false,
      };
    case 4421:
      return {
        title: 'Your time in the meeting is up',
        detail: 'The meeting allows each person a limited time.',
        retry: false,
      };
    case 4422:
      return { title: 'The meeting has ended', detail: 'Everyone has been let go.', retry: false };
    case 4423:
      return {
        title: 'You joined from somewhere else',
        detail: 'This window was replaced by another one that joined as you.',
        retry: true,
      };
    case 4429:
      return {
        title: 'Too many requests',
        detail: 'The server asked this window to slow down. Wait a moment and try again.',
        retry: true,
      };
    case 1001:
      return {
        title: 'The server is restarting',
        detail: 'Try again in a moment.',
        retry: true,
      };
    default:
      return {
        title: 'Could not reach the meeting',
        detail: reason
          ? `The connection closed (${reason}). Check your network and try again.`
          : 'The connection was lost. Check your network and try again.',
        retry: true,
      };
  }
}

/** "2 h 05 min 09 s", "4 min 30 s", "12 s": what is left until `target`. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days} d ${hours} h ${pad(minutes)} min`;
  if (hours > 0) return `${hours} h ${pad(minutes)} min ${pad(seconds)} s`;
  if (minutes > 0) return `${minutes} min ${pad(seconds)} s`;
  return `${seconds} s`;
}
