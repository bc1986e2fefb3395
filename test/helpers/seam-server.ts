/**
 * Server-test setup the Seam wire tests share: a test server with the official `seam` SDK on its
 * API key for the file (useSeamServer registers beforeAll/afterAll), the SDK error a call ends in
 * (sdkError), and SDK clients whose every response is checked against the @seamapi/types response
 * schema of its path (responseChecks).
 */
import { afterAll, beforeAll } from 'vitest';
import { Seam, SeamHttpApiError } from 'seam';
import type { RunningServer } from '../../src/server/index.ts';
import { createResponseValidator, startTestServer } from '../server/helpers.ts';

/** A test server and an SDK client on its API key, started before the file's tests and closed after. */
export function useSeamServer(): { readonly server: RunningServer; readonly seam: Seam; readonly key: string } {
  let server: RunningServer | undefined;
  let seam: Seam | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    seam = new Seam({ apiKey: server.apiKey!, endpoint: server.url });
  });
  afterAll(async () => {
    await server?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useSeamServer: read it inside a test (the server starts in beforeAll)');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get seam() {
      return started(seam);
    },
    get key() {
      return started(server).apiKey!;
    },
  };
}

/** The SDK error `promise` rejects with; fails the test if it succeeds or fails otherwise. */
export async function sdkError(promise: Promise<unknown>): Promise<SeamHttpApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SeamHttpApiError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

interface AxiosLikeClient {
  interceptors: { response: { use(onFulfilled: (response: { config: { url?: string; method?: string }; data: unknown }) => unknown): void } };
}

/**
 * `validated(client)` makes every response of an SDK client (Seam, SeamWithoutWorkspace, …) be
 * checked against the spec's schema for its path; each mismatch is pushed onto `problems`, which a
 * test expects empty. `baseUrl` gives the server's URL when a response arrives.
 */
export function responseChecks(baseUrl: () => string): { validated<T extends object>(client: T): T; problems: string[] } {
  const validate = createResponseValidator();
  const problems: string[] = [];
  return {
    problems,
    validated<T extends object>(client: T): T {
      (client as unknown as { client: AxiosLikeClient }).client.interceptors.response.use((response) => {
        const problem = validate(new URL(response.config.url ?? '', baseUrl()).pathname, response.config.method ?? 'post', response.data);
        if (problem !== undefined) problems.push(problem);
        return response;
      });
      return client;
    },
  };
}
