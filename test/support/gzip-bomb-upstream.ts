import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

/** A loopback LM whose replies are gzip bombs. */
export interface GzipBombUpstream {
  /** e.g. "http://127.0.0.1:40123" */
  origin: string;
  /** Requests received so far. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * Starts a loopback server that answers every POST with 200, `content-encoding: gzip` and a body of
 * `megabytes` MiB of zeros once decompressed, streamed as 4 MiB gzip members made from zeros here
 * (about 4 KiB each on the wire; nothing is stored). The first `normal.count` requests get
 * `normal.body` (gzipped JSON) instead.
 */
export async function startGzipBombUpstream(options: {
  megabytes: number;
  normal?: { count: number; body: unknown };
}): Promise<GzipBombUpstream> {
  const member = gzipSync(Buffer.alloc(4 * 1024 * 1024));
  const members = Math.ceil(options.megabytes / 4);
  let requests = 0;
  const server = createServer((incoming, response) => {
    incoming.resume();
    incoming.on("end", () => {
      requests += 1;
      response.on("error", () => {});
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      if (options.normal !== undefined && requests <= options.normal.count) {
        response.end(gzipSync(JSON.stringify(options.normal.body)));
      } else streamMembers(response, member, members);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function streamMembers(response: ServerResponse, member: Buffer, members: number): void {
  let sent = 0;
  const writeMore = () => {
    while (sent < members && !response.destroyed) {
      sent += 1;
      if (!response.write(member)) {
        response.once("drain", writeMore);
        return;
      }
    }
    response.end();
  };
  writeMore();
}
