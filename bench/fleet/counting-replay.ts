import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { RecordedAnswer } from "../../src/data/recorded-answers.js";
import { createReplayApp } from "../../src/replay/replay-app.js";

/** The replay server as the fleet's LLM, counting the chat completions it is asked for. */
export interface CountingReplay {
  /** The OpenAI base URL (…/v1), for `--lm-base-url`. */
  url: string;
  /** Chat completion requests received so far: the LLM calls the whole fleet made. */
  calls(): number;
  close(): Promise<void>;
}

/**
 * Starts the replay app (the recorded answers, `latencyMs` a reply, model "gpt4") on a free
 * loopback port, in this process: the fleet's calls are counted where they arrive, whatever happens
 * to the replicas that made them.
 */
export function startCountingReplay(
  answers: readonly RecordedAnswer[],
  latencyMs: number,
): Promise<CountingReplay> {
  const app = createReplayApp({ answers, latencyMs, model: "gpt4" });
  let calls = 0;
  return new Promise((resolve, reject) => {
    const server = serve({
      fetch: (request, env) => {
        if (request.method === "POST" && new URL(request.url).pathname === "/v1/chat/completions") calls += 1;
        return app.fetch(request, env);
      },
      port: 0,
      hostname: "127.0.0.1",
    });
    server.once("error", reject);
    server.once("listening", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        calls: () => calls,
        close: () =>
          new Promise<void>((resolveClose) => {
            server.close(() => resolveClose());
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
}
