/**
 * Test-side front door: serves the web app with `serveWebApp` (src/web/serve.ts) and forwards every
 * other request to the API server, so the page and the API share one origin — what the API server
 * will do once it mounts `serveWebApp` itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveWebApp, type WebAppBundle } from '../../src/web/serve.ts';

export async function startFrontServer(apiUrl: string, bundle: WebAppBundle): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method ?? 'GET'} ${request.url ?? '/'}`);
    void (async () => {
      const served = await serveWebApp({ method: request.method ?? 'GET', url: request.url ?? '/' }, { bundle });
      if (served !== undefined) {
        response.writeHead(served.status, served.headers).end(request.method === 'HEAD' ? undefined : served.body);
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization']) if (typeof request.headers[name] === 'string') headers[name] = request.headers[name];
      const forwarded = await fetch(apiUrl + (request.url ?? '/'), { method: request.method ?? 'GET', headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
      response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/octet-stream' }).end(Buffer.from(await forwarded.arrayBuffer()));
    })().catch((error: unknown) => {
      response.writeHead(502).end(String(error));
    });
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
