import { gunzipSync, gzipSync } from 'node:zlib';
import { buildConsoleAssets, firstLoad } from '../../../../console/build';
import { isConsolePath, serveConsole } from '../../../../functions/console/consoleAssets';
import { CONSOLE_ASSETS } from '../../../../functions/console/consoleAssets.generated';

describe('the console files the console function serves', () => {
  const built = buildConsoleAssets();
  const bodyOf = (path: string) => built.find((asset) => asset.path === path)?.body;

  test('consoleAssets.generated.ts is built from console/ as it is now (else: npm run console:build)', () => {
    const generated = Object.entries(CONSOLE_ASSETS).map(([path, asset]) => ({
      path,
      contentType: asset.contentType,
      etag: asset.etag,
      body: gunzipSync(Buffer.from(asset.gzip, 'base64')).toString('utf8'),
    }));
    expect(generated).toEqual(built);
  });

  test('the first load (page, styles, main script and its chunks) stays small: under 100 KB, 35 KB gzipped; each page is a chunk of its own', () => {
    const first = firstLoad(built);
    expect(first.map((asset) => asset.path)).toEqual(
      expect.arrayContaining(['/console/index.html', '/console/console.css', '/console/console.js']),
    );
    expect(first.reduce((sum, asset) => sum + Buffer.byteLength(asset.body), 0)).toBeLessThan(100_000);
    expect(first.reduce((sum, asset) => sum + gzipSync(asset.body).length, 0)).toBeLessThan(35_000);
    // The pages beside the flows load when opened: none of them is part of the first load.
    for (const name of ['simulator', 'channels', 'secrets', 'logs']) {
      const chunk = built.find((asset) => asset.path.startsWith(`/console/chunks/${name}-`));
      expect(chunk).toBeDefined();
      expect(first).not.toContain(chunk);
    }
    // What the first load needs beyond console.js is preloaded by the page, not found after it.
    const page = bodyOf('/console/index.html') ?? '';
    for (const asset of first.filter((a) => a.path.startsWith('/console/chunks/')))
      expect(page).toContain(`<link rel="modulepreload" href="${asset.path}">`);
  });

  test.each(['/console', '/console/', '/console/index.html'])('%s is the page, public, with a strict content security policy', (path) => {
    const page = serveConsole({ method: 'GET', path, headers: {} });
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
    expect(String(page.headers?.['content-security-policy'])).toContain("script-src 'self'; style-src 'self'; connect-src 'self'");
    expect(page.body).toContain('<script type="module" src="/console/console.js"></script>');
  });

  test("no zod in it: the console takes the admin API's answer shapes from its schemas as types only", () => {
    for (const asset of built)
      for (const marker of ['ZodError', '_zod', '$ZodType'])
        expect({ path: asset.path, zod: asset.body.includes(marker) }).toEqual({ path: asset.path, zod: false });
  });

  test('the script and styles, with their types; an ETag the browser revalidates with (304)', () => {
    const script = serveConsole({ method: 'GET', path: '/console/console.js', headers: {} });
    expect(script.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers?.['cache-control']).toBe('no-cache');
    const etag = String(script.headers?.etag);
    expect(serveConsole({ method: 'GET', path: '/console/console.js', headers: { 'If-None-Match': etag } })).toMatchObject({
      statusCode: 304,
    });
    expect(serveConsole({ method: 'GET', path: '/console/console.css', headers: {} }).headers?.['content-type']).toBe(
      'text/css; charset=utf-8',
    );
  });

  test('gzipped when the browser accepts it', () => {
    const page = serveConsole({ method: 'GET', path: '/console/console.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(page).toMatchObject({ statusCode: 200, isBase64Encoded: true, headers: { 'content-encoding': 'gzip' } });
    expect(gunzipSync(Buffer.from(String(page.body), 'base64')).toString('utf8')).toBe(bodyOf('/console/console.js'));
    expect(serveConsole({ method: 'GET', path: '/console/console.js', headers: {} }).body).toBe(bodyOf('/console/console.js'));
  });

  test('anything else under /console is a 404; other methods too; /consoles is not the console', () => {
    expect(serveConsole({ method: 'GET', path: '/console/../admin/flows', headers: {} }).statusCode).toBe(404);
    expect(serveConsole({ method: 'GET', path: '/console/constructor', headers: {} }).statusCode).toBe(404);
    expect(serveConsole({ method: 'POST', path: '/console', headers: {} }).statusCode).toBe(404);
    expect(isConsolePath('/consoles')).toBe(false);
    expect(isConsolePath('/console/console.js')).toBe(true);
  });
});
