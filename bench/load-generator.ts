/**
 * The serve benchmark's load generator, run in its own process (forked by serve-bench) so that it
 * does not share a CPU thread with the server or the upstream: receives its settings over IPC, runs
 * autocannon, sends back the summary and exits.
 */
import autocannon from "autocannon";
import { z } from "zod";

const settingsSchema = z.object({
  url: z.string(),
  bodies: z.array(z.string()).min(1),
  connections: z.number().int().positive(),
  durationSeconds: z.number().positive(),
  headers: z.record(z.string(), z.string()),
});

export type LoadGeneratorSettings = z.infer<typeof settingsSchema>;

export interface LoadGeneratorResult {
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

process.once("message", async (message: unknown) => {
  const settings = settingsSchema.parse(message);
  let next = 0;
  const result = await autocannon({
    url: settings.url,
    connections: settings.connections,
    duration: settings.durationSeconds,
    requests: [
      {
        method: "POST",
        headers: settings.headers,
        setupRequest: (request) => {
          request.body = settings.bodies[next % settings.bodies.length]!;
          next += 1;
          return request;
        },
      },
    ],
  });
  const summary: LoadGeneratorResult = {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
  process.send?.(summary, () => process.exit(0));
});
