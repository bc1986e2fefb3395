/**
 * Test-side front door: forwards every request to the API server (which serves the web app itself,
 * src/server/routes/instant-key-app.ts → src/web/serve.ts) and records what reached it, so a test
 * can say that nothing did (offline) or which calls a visit made. Headers go both ways (ETags,
 * compression, Server-Timing); the body passes through as bytes.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade']);

export async function startFrontServer(apiUrl: string): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const api = new URL(apiUrl);
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method ?? 'GET'} ${request.url ?? '/'}`);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string' && !hopByHop.has(name)) headers[name] = value;
    // Raw bytes both ways (node:http, not fetch, which would decompress).
    const upstream = httpRequest({ host: api.hostname, port: api.port, method: request.method, path: request.url, headers }, (answer) => {
      const back: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !hopByHop.has(name)) back[name] = value;
      response.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(response);
    });
    upstream.on('error', (error) => response.writeHead(502).end(String(error)));
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Every request that reached this server (method and path), in order. */
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
