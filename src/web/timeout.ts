/**
 * The browser gives GATT operations no timeout (an unanswered read stays pending forever), so every
 * operation the page starts races its own timer. The timer is the page's only use of wall-clock time
 * besides `Date.now()` for credential validity; both come from the platform, as they must on a phone.
 */
import { TransportError } from '../radio/transport.ts';

export async function withTimeout<T>(operation: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TransportError('transport_timeout', `${what}: no answer in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([operation, expired]);
  } finally {
    clearTimeout(timer);
  }
}
