import type { Route } from "../spec/adapter.js";
import { PrometheusHistogram } from "./prometheus-histogram.js";

export type ServeEndpoint = "chat_completions" | "classify" | "models" | "healthz" | "metrics";
/** How one LM call ended, as seen by the server ("client-aborted": the client went away first). */
export type LmCallOutcome = "ok" | "lm-timeout" | "lm-error" | "lm-unparseable" | "auth" | "client-aborted";

/** The server's counters and histograms, rendered in the Prometheus text format by `render()`. */
export interface ServeMetrics {
  recordRequest(endpoint: ServeEndpoint, status: number, seconds: number): void;
  recordPrediction(route: Route, seconds: number): void;
  recordLmCall(outcome: LmCallOutcome, seconds: number): void;
  recordDecisionLogError(): void;
  /** An input the router sent to the LM, answered by the SSM because the LM-share cap was spent. */
  recordShareCapDecline(): void;
  /** Adds a gauge read at render time (e.g. LM calls in flight). */
  addGauge(name: string, help: string, read: () => number): void;
  render(): string;
}

const routes: readonly Route[] = ["ssm", "lm", "fallback"];
const lmOutcomes: readonly LmCallOutcome[] = [
  "ok",
  "lm-timeout",
  "lm-error",
  "lm-unparseable",
  "auth",
  "client-aborted",
];

export function createServeMetrics(): ServeMetrics {
  const requestCounts = new Map<ServeEndpoint, Map<number, number>>();
  const requestDurations = new Map<ServeEndpoint, PrometheusHistogram>();
  const predictionCounts: Record<Route, number> = { ssm: 0, lm: 0, fallback: 0 };
  const predictionDurations: Record<Route, PrometheusHistogram> = {
    ssm: new PrometheusHistogram(),
    lm: new PrometheusHistogram(),
    fallback: new PrometheusHistogram(),
  };
  const lmCallCounts: Record<LmCallOutcome, number> = {
    ok: 0,
    "lm-timeout": 0,
    "lm-error": 0,
    "lm-unparseable": 0,
    auth: 0,
    "client-aborted": 0,
  };
  const lmCallDuration = new PrometheusHistogram();
  let decisionLogErrors = 0;
  let shareCapDeclines = 0;
  const gauges: Array<{ name: string; help: string; read: () => number }> = [];

  return {
    recordRequest(endpoint, status, seconds) {
      let byStatus = requestCounts.get(endpoint);
      if (byStatus === undefined) {
        byStatus = new Map();
        requestCounts.set(endpoint, byStatus);
      }
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      let histogram = requestDurations.get(endpoint);
      if (histogram === undefined) {
        histogram = new PrometheusHistogram();
        requestDurations.set(endpoint, histogram);
      }
      histogram.observe(seconds);
    },
    recordPrediction(route, seconds) {
      predictionCounts[route] += 1;
      predictionDurations[route].observe(seconds);
    },
    recordLmCall(outcome, seconds) {
      lmCallCounts[outcome] += 1;
      lmCallDuration.observe(seconds);
    },
    recordDecisionLogError() {
      decisionLogErrors += 1;
    },
    recordShareCapDecline() {
      shareCapDeclines += 1;
    },
    addGauge(name, help, read) {
      gauges.push({ name, help, read });
    },
    render() {
      const out: string[] = [];
      header(out, "easy_adapt_http_requests_total", "HTTP requests by endpoint and status.", "counter");
      for (const [endpoint, byStatus] of requestCounts) {
        for (const [status, count] of byStatus) {
          out.push(`easy_adapt_http_requests_total{endpoint="${endpoint}",status="${status}"} ${count}`);
        }
      }
      header(out, "easy_adapt_http_request_duration_seconds", "HTTP request latency.", "histogram");
      for (const [endpoint, histogram] of requestDurations) {
        out.push(histogram.render("easy_adapt_http_request_duration_seconds", `endpoint="${endpoint}"`));
      }
      header(out, "easy_adapt_predictions_total", "Answers by route (ssm, lm, fallback).", "counter");
      for (const route of routes)
        out.push(`easy_adapt_predictions_total{route="${route}"} ${predictionCounts[route]}`);
      header(out, "easy_adapt_prediction_duration_seconds", "Latency of one answer by route.", "histogram");
      for (const route of routes) {
        out.push(
          predictionDurations[route].render("easy_adapt_prediction_duration_seconds", `route="${route}"`),
        );
      }
      header(out, "easy_adapt_lm_calls_total", "Calls to the large model.", "counter");
      let lmCalls = 0;
      for (const outcome of lmOutcomes) lmCalls += lmCallCounts[outcome];
      out.push(`easy_adapt_lm_calls_total ${lmCalls}`);
      header(out, "easy_adapt_lm_errors_total", "Large-model calls that failed, by reason.", "counter");
      for (const outcome of lmOutcomes) {
        if (outcome !== "ok")
          out.push(`easy_adapt_lm_errors_total{reason="${outcome}"} ${lmCallCounts[outcome]}`);
      }
      header(
        out,
        "easy_adapt_lm_share_cap_declines_total",
        "Inputs the router sent to the LM that the adapter's --max-lm-share cap answered with the SSM.",
        "counter",
      );
      out.push(`easy_adapt_lm_share_cap_declines_total ${shareCapDeclines}`);
      header(out, "easy_adapt_lm_call_duration_seconds", "Latency of the large-model calls.", "histogram");
      out.push(lmCallDuration.render("easy_adapt_lm_call_duration_seconds", ""));
      header(out, "easy_adapt_decision_log_errors_total", "Failed writes to the decision log.", "counter");
      out.push(`easy_adapt_decision_log_errors_total ${decisionLogErrors}`);
      const cpu = process.cpuUsage();
      header(out, "process_cpu_seconds_total", "User and system CPU time of the server process.", "counter");
      out.push(`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
      header(out, "process_resident_memory_bytes", "Resident memory of the server process.", "gauge");
      out.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
      for (const gauge of gauges) {
        header(out, gauge.name, gauge.help, "gauge");
        out.push(`${gauge.name} ${gauge.read()}`);
      }
      return `${out.join("\n")}\n`;
    },
  };
}

function header(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}
