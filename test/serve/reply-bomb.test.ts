import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { type GzipBombUpstream, startGzipBombUpstream } from "../support/gzip-bomb-upstream.js";
import { startCli } from "../support/run-cli.js";

/** The peak resident memory of process `pid` so far, in MiB (Linux: VmHWM in /proc). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match?.[1] === undefined) throw new Error("no VmHWM line");
  return Number(match[1]) / 1024;
}

describe.runIf(process.platform === "linux")(
  "easy-adapt serve with an LM replying a 400 MiB gzip bomb",
  () => {
    let upstream: GzipBombUpstream;
    let adapterDir: string;
    beforeAll(async () => {
      upstream = await startGzipBombUpstream({ megabytes: 400 });
      adapterDir = await ticketsAdapterFolder();
    });
    afterAll(async () => {
      await upstream?.close();
    });

    it("refuses the reply, answers with the SSM, and its peak RSS grows by well under 300 MB", async () => {
      const child = startCli([
        "serve",
        "--adapter",
        adapterDir,
        "--lm-base-url",
        `${upstream.origin}/v1`,
        "--no-cache",
        "--max-retries",
        "0",
        "--port",
        "0",
      ]);
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk;
          const match = /listening on (http:\/\/\S+)/.exec(stdout);
          if (match?.[1]) resolve(match[1]);
        });
        child.on("close", () => reject(new Error("serve exited early")));
      });
      const adapter = await loadAdapter(adapterDir);
      const rows = readTicketRows("test.csv");
      const local = rows.find((row) => !adapter.decide(row.text).useLm)!;
      const routed = rows.find((row) => adapter.decide(row.text).useLm)!;
      const classify = async (text: string) => {
        const response = await fetch(`${url}/v1/classify`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ inputs: [text] }),
        });
        expect(response.status).toBe(200);
        return z.object({ results: z.array(z.object({ route: z.string() })) }).parse(await response.json());
      };
      // Warm: a request the SSM answers, then the baseline.
      await classify(local.text);
      const before = peakRssMb(child.pid!);
      const body = await classify(routed.text);
      const growthMb = peakRssMb(child.pid!) - before;
      expect(upstream.requests()).toBe(1);
      expect(body.results[0]?.route).toBe("fallback");
      expect(growthMb).toBeLessThan(300);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    });
  },
);
