import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';

/**
 * Receives LiveKit's webhooks on an address of the server's (loopback, or the private address its
 * LiveKit nodes reach). Each post is signed with our API key; anything else is refused (401).
 */
export class WebhookInbox {
  private server?: Server;
  private readonly receiver: WebhookReceiver;
  url = '';

  constructor(
    apiKey: string,
    apiSecret: string,
    private readonly onEvent: (e: WebhookEvent) => void,
  ) {
    this.receiver = new WebhookReceiver(apiKey, apiSecret);
  }

  async listen(host: string): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 256 * 1024) req.destroy();
        else chunks.push(c);
      });
      req.on('end', () => {
        this.receiver
          .receive(Buffer.concat(chunks).toString('utf8'), req.headers.authorization)
          .then((event) => {
            res.writeHead(200).end();
            this.onEvent(event);
          })
          .catch(() => res.writeHead(401).end());
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    return this.url;
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}
