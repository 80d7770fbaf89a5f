/**
 * The browser pages (`packages/web`, built into its `dist/`): `GET /join` is `join.html`,
 * `GET /console` is `console.html`, `GET /assets/*` their scripts, styles and images, and `GET /`
 * leads to `/join`. They need no
 * credentials: a join link carries its token in the URL's fragment (`/join#token=…`), which
 * browsers never send, so tokens reach neither this server's logs nor a proxy's.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { webRoot as builtWebRoot } from '@conclave/web';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build` puts the pages (`join.html`, `assets/`); absent until built. */
export const DEFAULT_WEB_ROOT = builtWebRoot;

/**
 * On every page and asset. The pages load only their own scripts and styles (no inline ones),
 * talk only to this server (`connect-src 'self'`, which CSP Level 3 extends to `ws:`/`wss:` on the
 * same host and port: Chrome 71+, Firefox, Safari 16+), may use the camera, microphone and screen
 * capture on this origin only, and cannot be framed. WebRTC media is not a CSP fetch.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self), autoplay=(self)',
  'cross-origin-opener-policy': 'same-origin',
};

/** The pages, by path: the join page and the console (`packages/web`). */
export const PAGES: Readonly<Record<string, string>> = {
  '/join': 'join.html',
  '/console': 'console.html',
};

/** Asset names carry a hash of their content: a new build makes new names. */
const ASSET_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Conclave: pages not built</title>
<h1>The web pages are not built</h1>
<p>This Conclave server has no join page or console yet: run <code>npm run build</code> (the pages alone:
<code>npm run build -w @conclave/web</code>), then reload.</p>
</html>
`;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Whether `root` holds a built join page. */
export function joinPageBuilt(root: string): Promise<boolean> {
  return isFile(join(root, 'join.html'));
}

/**
 * Serves the pages under `root`, looked up at each request (building while the server runs is
 * enough). No directory listings, no index files, no dotfiles; `@fastify/send` refuses any path
 * that leaves its root (`..`, encoded or not) with 403. The routes are left out of the OpenAPI
 * document.
 */
export async function webRoutes(app: FastifyInstance, root: string): Promise<void> {
  const assets = join(root, 'assets');
  // Only `reply.sendFile`: the routes are ours, so that each sets its own caching.
  await app.register(fastifyStatic, {
    serve: false,
    index: false,
    list: false,
    dotfiles: 'ignore',
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(PAGE_SECURITY_HEADERS);
  });

  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/join', 302));

  for (const [path, file] of Object.entries(PAGES)) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) => {
      if (!(await isFile(join(root, file)))) {
        return reply
          .code(503)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(NOT_BUILT_PAGE);
      }
      // Always revalidated (ETag, Last-Modified): a new build is seen at the next load.
      reply.header('cache-control', 'no-cache');
      return reply.sendFile(file, root, { cacheControl: false });
    });
  }

  app.get<{ Params: { '*': string } }>(
    '/assets/*',
    { schema: { hide: true } },
    async (request, reply) =>
      reply.sendFile(request.params['*'], assets, {
        cacheControl: true,
        maxAge: ASSET_MAX_AGE_MS,
        immutable: true,
      }),
  );
}
