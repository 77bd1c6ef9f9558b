/**
 * The serve benchmark's yardstick for one extra HTTP hop, run in its own process (forked by
 * serve-bench): a node:http server that forwards each request, body buffered, to the upstream over
 * a keep-alive Agent and sends the reply back, doing nothing else. Receives the upstream origin
 * over IPC, answers with its own origin, and runs until killed. What it adds over calling the
 * upstream directly is the floor any forwarding server pays on this machine at this moment
 * (two more process wake-ups and HTTP parses); serve's added latency is judged against the same
 * target regardless, the floor only says how much of it is the machine.
 */
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

const settingsSchema = z.object({ upstreamOrigin: z.url() });

process.once("message", (message: unknown) => {
  const upstream = new URL(settingsSchema.parse(message).upstreamOrigin);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          agent,
          headers: { "content-type": "application/json", "content-length": String(body.length) },
        },
        (reply) => {
          const parts: Buffer[] = [];
          reply.on("data", (chunk: Buffer) => parts.push(chunk));
          reply.on("end", () => {
            const replyBody = Buffer.concat(parts);
            outgoing.writeHead(reply.statusCode ?? 502, {
              "content-type": reply.headers["content-type"] ?? "application/json",
              "content-length": String(replyBody.length),
            });
            outgoing.end(replyBody);
          });
        },
      );
      forwarded.on("error", () => {
        outgoing.writeHead(502);
        outgoing.end();
      });
      forwarded.end(body);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    process.send?.(`http://127.0.0.1:${port}`);
  });
});
