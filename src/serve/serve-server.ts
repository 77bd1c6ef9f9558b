import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { answerClientError } from "./client-error.js";
import { listenError } from "./start-error-messages.js";

/** A listening HTTP server that can be closed gracefully. */
export interface RunningServer {
  /** e.g. "http://127.0.0.1:8080". */
  readonly url: string;
  readonly port: number;
  /** Requests being answered now. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, waits for the requests in flight (at most `drainTimeoutMs`,
   * default 30 s, after which the remaining connections are cut) and resolves when closed and the
   * handlers of the requests cut off have finished (at most 1 s more), so that they are recorded.
   */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/**
 * The server's own limits on clients, set explicitly rather than left at Node's defaults (300 s to
 * receive a request, 60 s for its headers, checked every 30 s), so that slow clients cannot hold
 * its connections: a request's headers must arrive within `headersTimeoutMs`, the whole request
 * (headers and body) within `requestTimeoutMs` (the time spent answering is not counted), idle
 * keep-alive connections close after `keepAliveTimeoutMs`, and at most `maxConnections` are open
 * at once (further ones are closed on arrival).
 */
export interface ServeHttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

/** 10 s for the headers, 30 s for the whole request, 5 s of keep-alive idleness, 1,024 connections. */
export const defaultServeHttpLimits: ServeHttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

/** Where, what and with which client limits `startServeServer` serves. */
export interface StartServeServerOptions {
  /** A Hono app's `fetch`. */
  fetch: Parameters<typeof serve>[0]["fetch"];
  port: number;
  host: string;
  /** Called once, at close, just before the requests still in flight after the drain timeout are cut off. */
  onCutOff?: () => void;
  /** Default `defaultServeHttpLimits`. */
  limits?: ServeHttpLimits;
}

/**
 * Serves a Hono app's `fetch` on `host:port` (port 0 picks a free one) with @hono/node-server;
 * requests Node's parser refuses are answered with the OpenAI error body (`answerClientError`).
 * Rejects with a ServeStartError when it cannot listen (port in use, unknown host, ...).
 */
export function startServeServer(options: StartServeServerOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    let inFlight = 0;
    const handlers = { active: 0 };
    const limits = options.limits ?? defaultServeHttpLimits;
    const onListenError = (error: unknown) => reject(listenError(error, options.host, options.port));
    const server = serve(
      {
        fetch: countingHandlers(options.fetch, handlers),
        port: options.port,
        hostname: options.host,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          // How often the two timeouts above are checked (Node's default: every 30 s).
          connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
        },
      },
      (info: AddressInfo) => {
        server.off("error", onListenError);
        const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
        let closing: Promise<void> | undefined;
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          get inFlight() {
            return inFlight;
          },
          close(closeOptions) {
            closing ??= drainAndClose(
              server as Server,
              () => inFlight,
              closeOptions?.drainTimeoutMs ?? 30_000,
              options.onCutOff,
            ).then(() => handlersDone(handlers, handlerGraceMs));
            return closing;
          },
        });
      },
    ) as Server;
    server.maxConnections = limits.maxConnections;
    server.once("error", onListenError);
    server.on("clientError", answerClientError);
    server.on("request", (_request, response) => {
      inFlight += 1;
      response.once("close", () => {
        inFlight -= 1;
      });
    });
  });
}

/** How long close waits, once the connections are closed, for the handlers of requests cut off to finish. */
const handlerGraceMs = 1000;

/**
 * `fetch` with its handlers in progress counted in `handlers.active` (a request cut off at shutdown
 * has lost its connection but its handler still records its answer). No await is added to a request.
 */
function countingHandlers(
  fetch: StartServeServerOptions["fetch"],
  handlers: { active: number },
): StartServeServerOptions["fetch"] {
  return (request, env) => {
    const result = fetch(request, env);
    if (!(result instanceof Promise)) return result;
    handlers.active += 1;
    result.then(
      () => {
        handlers.active -= 1;
      },
      () => {
        handlers.active -= 1;
      },
    );
    return result;
  };
}

/** Resolves once no handler is in progress, or after `graceMs`. */
async function handlersDone(handlers: { active: number }, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (handlers.active > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function drainAndClose(
  server: Server,
  inFlight: () => number,
  drainTimeoutMs: number,
  onCutOff: (() => void) | undefined,
): Promise<void> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    let cutOff = false;
    // Idle keep-alive connections are closed at once; busy ones once their response is out.
    const poll = setInterval(() => {
      if (inFlight() > 0 && Date.now() - startedAt > drainTimeoutMs && !cutOff) {
        // Said before the sockets close, so that the requests cut off know why.
        cutOff = true;
        onCutOff?.();
      }
      if (inFlight() === 0 || cutOff) server.closeAllConnections();
      else server.closeIdleConnections();
    }, 10);
    server.close(() => {
      clearInterval(poll);
      resolve();
    });
    server.closeIdleConnections();
  });
}
