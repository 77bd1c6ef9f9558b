/**
 * The serve benchmark's yardsticks for one extra HTTP hop, run in their own process (forked by
 * serve-bench): a server that forwards each request, body buffered, to the upstream over a
 * keep-alive Agent and sends the reply back, doing nothing else. Receives the upstream origin and
 * the framework over IPC, answers with its own origin, and runs until killed:
 * - `node-http`: a bare node:http server — the floor any forwarding server pays on this machine at
 *   this moment (two more process wake-ups and HTTP parses);
 * - `hono`: the same forwarding as a Hono app on @hono/node-server, as serve is built (its request
 *   body read from the Node request, as serve reads it) — the floor of the server library.
 * serve's added latency is judged against the same target regardless; the floors only say how much
 * of it is the machine and the library.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { z } from "zod";

const settingsSchema = z.object({
  upstreamOrigin: z.url(),
  framework: z.enum(["node-http", "hono"]).default("node-http"),
});

process.once("message", (message: unknown) => {
  const settings = settingsSchema.parse(message);
  const upstream = new URL(settings.upstreamOrigin);
  const agent = new Agent({ keepAlive: true });
  const listening = (address: AddressInfo | string | null) => {
    const { port } = address as AddressInfo;
    process.send?.(`http://127.0.0.1:${port}`);
  };
  if (settings.framework === "hono") {
    const app = new Hono<{ Bindings: { incoming: IncomingMessage } }>();
    app.post("*", async (context) => {
      const incoming = context.env.incoming;
      const body = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () => resolve(Buffer.concat(chunks)));
        incoming.on("error", reject);
      });
      const reply = await forward(upstream, agent, context.req.path, body);
      // A string body, as serve answers: @hono/node-server writes it at once (a binary one it streams).
      return new Response(reply.body.toString("utf8"), {
        status: reply.status,
        headers: { "content-type": reply.contentType },
      });
    });
    serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, listening);
    return;
  }
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      forward(upstream, agent, incoming.url ?? "/", Buffer.concat(chunks)).then(
        (reply) => {
          outgoing.writeHead(reply.status, {
            "content-type": reply.contentType,
            "content-length": String(reply.body.length),
          });
          outgoing.end(reply.body);
        },
        () => {
          outgoing.writeHead(502);
          outgoing.end();
        },
      );
    });
  });
  server.listen(0, "127.0.0.1", () => listening(server.address()));
});

/** POSTs `body` to `path` on the upstream and reads the whole reply. */
function forward(
  upstream: URL,
  agent: Agent,
  path: string,
  body: Buffer,
): Promise<{ status: number; contentType: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: "POST",
        path,
        agent,
        headers: { "content-type": "application/json", "content-length": String(body.length) },
      },
      (reply) => {
        const parts: Buffer[] = [];
        reply.on("data", (chunk: Buffer) => parts.push(chunk));
        reply.on("end", () =>
          resolve({
            status: reply.statusCode ?? 502,
            contentType: reply.headers["content-type"] ?? "application/json",
            body: Buffer.concat(parts),
          }),
        );
        reply.on("error", reject);
      },
    );
    forwarded.on("error", reject);
    forwarded.end(body);
  });
}
