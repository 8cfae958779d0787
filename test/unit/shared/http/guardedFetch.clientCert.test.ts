import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { createGuardedFetch } from '../../../../shared/http/guardedFetch';

// A client certificate goes to the request's origin only: a redirect to another origin drops it, as
// it drops credentials in headers (test/fixtures/mtls holds the test CA and certificates).

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '..', '..', '..', 'fixtures', 'mtls', name), 'utf8');

async function server(
  handle: (presented: string | undefined, res: ServerResponse, port: number) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  let port = 0;
  const s = https.createServer(
    { cert: fixture('server.pem'), key: fixture('server.key'), ca: fixture('ca.pem'), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const cn = socket.getPeerCertificate().subject.CN;
      handle(socket.authorized ? String(cn) : undefined, res, port);
    },
  );
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  port = (s.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}

test('presented to the origin and to a same-origin redirect; the certificate and the pinned CA never go to another origin', async () => {
  const presentedTo: Array<[string, string | undefined]> = [];
  const other = await server((presented, res) => {
    presentedTo.push(['other', presented]);
    res.writeHead(200).end('other');
  });
  const origin = await server((presented, res) => {
    presentedTo.push(['origin', presented]);
    if (presentedTo.length === 1) res.writeHead(302, { location: '/again' }).end();
    else res.writeHead(302, { location: `https://127.0.0.1:${other.port}/elsewhere` }).end();
  });
  try {
    const fetch = createGuardedFetch({ allowHttpHosts: [`127.0.0.1:${origin.port}`, `127.0.0.1:${other.port}`] });
    const request = {
      method: 'GET' as const,
      timeoutMs: 5_000,
      tls: { cert: fixture('client.pem'), key: fixture('client.key'), ca: fixture('ca.pem') },
    };
    // The other origin's certificate is signed by the same CA: it fails only because the CA pinned for
    // the first origin does not go with the redirect (public roots apply), and nothing was presented to it.
    await expect(fetch({ ...request, url: `https://127.0.0.1:${origin.port}/start` })).rejects.toMatchObject({
      kind: 'network',
      message: expect.stringContaining('SELF_SIGNED_CERT_IN_CHAIN'),
    });
    expect(presentedTo).toEqual([
      ['origin', 'callcard workspace demo'],
      ['origin', 'callcard workspace demo'],
    ]);
    // Control: asked directly, with the CA and certificate, the other origin answers and sees the certificate.
    expect((await fetch({ ...request, url: `https://127.0.0.1:${other.port}/direct` })).body).toBe('other');
    expect(presentedTo.at(-1)).toEqual(['other', 'callcard workspace demo']);
  } finally {
    await origin.close();
    await other.close();
  }
});

test('the pinned CA is the only one trusted: a server it did not sign fails the handshake', async () => {
  const s = await server((_presented, res) => res.writeHead(200).end('ok'));
  try {
    const fetch = createGuardedFetch({ allowHttpHosts: [`127.0.0.1:${s.port}`] });
    await expect(
      fetch({
        method: 'GET',
        url: `https://127.0.0.1:${s.port}/`,
        timeoutMs: 5_000,
        tls: { cert: fixture('client.pem'), key: fixture('client.key'), ca: fixture('other.pem') },
      }),
    ).rejects.toMatchObject({ kind: 'network' });
    expect(
      (
        await fetch({
          method: 'GET',
          url: `https://127.0.0.1:${s.port}/`,
          timeoutMs: 5_000,
          tls: { cert: fixture('client.pem'), key: fixture('client.key'), ca: fixture('ca.pem') },
        })
      ).body,
    ).toBe('ok');
  } finally {
    await s.close();
  }
});
