/**
 * The signal that stops the server (D21): listened for before the server starts, since it answers
 * `/readyz` before `startServer` returns and a SIGTERM in between must still shut it down cleanly.
 * The first SIGTERM or SIGINT resolves; a second one, while starting or stopping takes too long,
 * ends the process at once (exit 130 for SIGINT, 143 for SIGTERM).
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const on = (signal: NodeJS.Signals) => {
      if (received) process.exit(signal === 'SIGINT' ? 130 : 143);
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
