import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Logger } from '@foodmesh/platform';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'connect-protocol-version',
  'connect-timeout-ms',
  'grpc-timeout',
  'x-grpc-web',
  'x-user-agent',
  'x-request-id',
  'traceparent',
  'tracestate',
].join(', ');
const EXPOSED_HEADERS = ['grpc-status', 'grpc-message', 'grpc-status-details-bin', 'x-error-reason', 'retry-after-seconds'].join(', ');

const JWKS_PATH = '/.well-known/jwks.json';

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

/** Static files of the built web app; unknown paths without an extension get index.html (client-side routes). */
function staticFiles(root: string | undefined): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    if (!root || !existsSync(path.join(root, 'index.html'))) return send(404, 'the web app is not built (npm run build)\n');
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'bad path\n');
    }
    let file = path.resolve(root, `.${path.posix.normalize(rel)}`);
    if (!file.startsWith(root + path.sep) && file !== root) return send(404, 'not found\n');
    let stat = existsSync(file) ? statSync(file) : undefined;
    if (!stat?.isFile()) {
      if (path.extname(rel)) return send(404, 'not found\n');
      file = path.join(root, 'index.html');
      stat = statSync(file);
    }
    const immutable = file.includes(`${path.sep}assets${path.sep}`);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };
}

export interface WebServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

/**
 * The browser's port (HTTP/1.1: browsers never speak cleartext HTTP/2): the
 * API as gRPC-web and Connect, CORS for the configured web origins, and the
 * built web app. Server streams are long-lived responses; closing aborts them.
 */
export async function startWebServer(opts: {
  host: string;
  port: number;
  routes: (router: ConnectRouter) => void;
  webRoot?: string;
  allowedOrigins: string[];
  /** A public key set to serve at /.well-known/jwks.json (the demo sign-in's). */
  jwks?: object;
  logger: Logger;
  /** The largest request message accepted (RESOURCE_EXHAUSTED beyond), as on the gRPC port. */
  readMaxBytes: number;
}): Promise<WebServer> {
  const shutdown = new AbortController();
  const api = connectNodeAdapter({
    routes: opts.routes,
    fallback: staticFiles(opts.webRoot ? path.resolve(opts.webRoot) : undefined) as (req: unknown, res: unknown) => void,
    shutdownSignal: shutdown.signal,
    grpcWeb: true,
    connect: true,
    grpc: false,
    readMaxBytes: opts.readMaxBytes,
    // JSON bodies too: bytes that are not UTF-8 are refused (INVALID_ARGUMENT), never turned into U+FFFD.
    jsonOptions: { textDecoder: new TextDecoder('utf-8', { fatal: true }) } as object,
  });

  const jwks = opts.jwks && JSON.stringify(opts.jwks);
  const server = http.createServer((req, res) => {
    if (jwks && req.method === 'GET' && req.url === JWKS_PATH) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', ...SECURITY_HEADERS });
      res.end(jwks);
      return;
    }
    const origin = req.headers.origin;
    if (origin && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
      if (!opts.allowedOrigins.includes(origin) && !opts.allowedOrigins.includes('*')) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`origin ${origin} is not allowed (WEB_ORIGINS)\n`);
        return;
      }
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'POST, GET, OPTIONS',
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': '7200',
        });
        res.end();
        return;
      }
    }
    // A request answered before its body was read (too large: RESOURCE_EXHAUSTED) leaves the rest
    // of the body on the connection, and a keep-alive client's next request would wait behind it
    // until its deadline: such a connection is not kept (also when no length was declared).
    const socket = req.socket;
    if (Number(req.headers['content-length'] ?? 0) > opts.readMaxBytes + 5) res.setHeader('connection', 'close');
    res.on('finish', () => {
      if (!req.complete) socket.end();
    });
    api(req, res);
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  opts.logger.info({ port, webRoot: opts.webRoot }, 'web (gRPC-web, Connect, static files) listening');

  return {
    port,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        shutdown.abort(); // ends server streams (notifications never end by themselves)
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
