import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createReplayApp, type ReplayAppOptions } from "./replay-app.js";

/** The replay app's options, and the address to listen on. */
export interface ReplayServerOptions extends ReplayAppOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** A running replay server: its address, and `close()` to stop it. */
export interface ReplayServer {
  /** The OpenAI base URL, e.g. "http://127.0.0.1:40123/v1" (use as --lm-base-url). */
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

/** Starts the replay app on a real HTTP port (in-process). `close()` ends open keep-alive connections too. */
export function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const app = createReplayApp(options);
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host });
    server.once("error", reject);
    server.once("listening", () => {
      const address = server.address() as AddressInfo;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${address.port}/v1`,
        port: address.port,
        host,
        close: () =>
          new Promise<void>((resolveClose, rejectClose) => {
            server.close((error) => (error ? rejectClose(error) : resolveClose()));
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
}
