/**
 * One simulator WebSocket (a page): JSON text frames answered in order of arrival (radio operations
 * queue in the RadioScheduler), at most `inFlightMax` waiting at once; a revoked link closes it
 * (4401); a closed socket disconnects its links on the radio.
 */
import type { WebSocket } from 'ws';
import type { ServerContext } from '../../context.ts';
import { ApiError, invalidInput } from '../../http/errors.ts';
import type { SimClient, SimOperation } from './operations.ts';
import type { RadioScheduler } from './radio-scheduler.ts';
import type { SimSession, SimulatorTokens } from './tokens.ts';

/** Requests one socket may have waiting at once (the page's Web Bluetooth runs one GATT operation at a time). */
const inFlightMax = 4;

/** Parses one frame into its id and operation, or throws invalid_input (the id, once known, is kept for the answer). */
function parseFrame(data: unknown, isBinary: boolean, operations: Record<string, SimOperation>, onId: (id: number | null) => void): { operation: SimOperation; input: Record<string, unknown> } {
  if (isBinary) throw invalidInput('messages are JSON text');
  let message: unknown;
  try {
    message = JSON.parse(String(data));
  } catch {
    throw invalidInput('a message must be JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw invalidInput('a message must be a JSON object');
  const input = message as Record<string, unknown>;
  const id = typeof input.id === 'number' && Number.isSafeInteger(input.id) ? input.id : null;
  onId(id);
  const operation = typeof input.op === 'string' && Object.hasOwn(operations, input.op) ? operations[input.op] : undefined;
  if (id === null || operation === undefined) throw invalidInput(`a message needs an integer id and an op (${Object.keys(operations).join(', ')})`);
  return { operation, input };
}

export function serveSimulatorSocket(socket: WebSocket, token: string, session: SimSession, deps: { context: ServerContext; tokens: SimulatorTokens; scheduler: RadioScheduler; operations: Record<string, SimOperation> }): void {
  const client: SimClient = { session, connections: new Map(), closed: false, inFlight: 0 };
  const send = (body: object) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(body));
  };
  socket.on('message', (data, isBinary) => {
    void (async () => {
      let id: number | null = null;
      if (client.inFlight >= inFlightMax) {
        socket.send(JSON.stringify({ id: null, ok: false, error: { type: 'rate_limited', message: `at most ${inFlightMax} requests may wait at once` } }));
        return;
      }
      client.inFlight++;
      try {
        const { operation, input } = parseFrame(data, isBinary, deps.operations, (parsed) => (id = parsed));
        if (await deps.tokens.live(token) === undefined) {
          socket.close(4401, 'this Instant Key was revoked');
          return;
        }
        const answer = await operation(client, input);
        send({ id, ok: true, ...answer });
      } catch (error) {
        if (!(error instanceof ApiError)) deps.context.log.error({ err: error }, 'simulator operation failed');
        const body = error instanceof ApiError ? error.toBody().error : { type: 'internal_server_error', message: 'internal server error' };
        send({ id, ok: false, error: body });
      } finally {
        client.inFlight--;
      }
    })();
  });
  // A page that goes away leaves no link open on the virtual radio (a connect still under way
  // sees `closed` and drops its link itself).
  socket.on('close', () => {
    client.closed = true;
    for (const [connectionId, connection] of client.connections) {
      client.connections.delete(connectionId);
      void deps.scheduler.exclusive(() => deps.scheduler.radio.runUntil(connection.disconnect())).catch(() => undefined);
    }
  });
}
