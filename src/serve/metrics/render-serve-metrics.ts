import { cutOffReasons, lmErrorOutcomes, lmOutcomes, routes } from "./metric-labels.js";
import type { ServeMetricValues } from "./serve-metric-values.js";

/**
 * The metrics in the Prometheus text format, in this order: HTTP requests, answers by route, LM
 * calls, the decision log, the process, then the gauges in the order they were added.
 */
export function renderServeMetrics(values: ServeMetricValues): string {
  const out: string[] = [];
  renderRequests(out, values);
  renderPredictions(out, values);
  renderLmCalls(out, values);
  header(out, "easy_adapt_decision_log_errors_total", "Failed writes to the decision log.", "counter");
  out.push(`easy_adapt_decision_log_errors_total ${values.decisionLogErrors}`);
  renderProcess(out);
  for (const gauge of values.gauges) {
    header(out, gauge.name, gauge.help, "gauge");
    out.push(`${gauge.name} ${gauge.read()}`);
  }
  return `${out.join("\n")}\n`;
}

/** HTTP requests by endpoint and status, and their latency by endpoint. */
function renderRequests(out: string[], values: ServeMetricValues): void {
  header(out, "easy_adapt_http_requests_total", "HTTP requests by endpoint and status.", "counter");
  for (const [endpoint, byStatus] of values.requestCounts) {
    for (const [status, count] of byStatus) {
      out.push(`easy_adapt_http_requests_total{endpoint="${endpoint}",status="${status}"} ${count}`);
    }
  }
  header(out, "easy_adapt_http_request_duration_seconds", "HTTP request latency.", "histogram");
  for (const [endpoint, histogram] of values.requestDurations) {
    out.push(histogram.render("easy_adapt_http_request_duration_seconds", `endpoint="${endpoint}"`));
  }
}

/** Answers by route, their latency by route, and the fallbacks by reason. */
function renderPredictions(out: string[], values: ServeMetricValues): void {
  header(out, "easy_adapt_predictions_total", "Answers by route (ssm, lm, fallback).", "counter");
  for (const route of routes)
    out.push(`easy_adapt_predictions_total{route="${route}"} ${values.predictionCounts[route]}`);
  header(out, "easy_adapt_prediction_duration_seconds", "Latency of one answer by route.", "histogram");
  for (const route of routes) {
    out.push(
      values.predictionDurations[route].render("easy_adapt_prediction_duration_seconds", `route="${route}"`),
    );
  }
  header(out, "easy_adapt_fallbacks_total", "Answers with route fallback, by reason.", "counter");
  for (const [reason, count] of values.fallbackCounts)
    out.push(`easy_adapt_fallbacks_total{reason="${reason}"} ${count}`);
}

/**
 * LM calls, their failures by reason, the inputs the share cap and the per-request cap kept local,
 * the inputs cut off by a client that left or by shutdown, and the calls' latency.
 */
function renderLmCalls(out: string[], values: ServeMetricValues): void {
  header(out, "easy_adapt_lm_calls_total", "Calls to the large model.", "counter");
  let lmCalls = 0;
  for (const outcome of lmOutcomes) lmCalls += values.lmCallCounts[outcome];
  out.push(`easy_adapt_lm_calls_total ${lmCalls}`);
  header(out, "easy_adapt_lm_errors_total", "Large-model calls that failed, by reason.", "counter");
  for (const outcome of lmErrorOutcomes) {
    out.push(`easy_adapt_lm_errors_total{reason="${outcome}"} ${values.lmCallCounts[outcome]}`);
  }
  header(
    out,
    "easy_adapt_lm_share_cap_declines_total",
    "Inputs the router sent to the LM that the adapter's --max-lm-share cap answered with the SSM.",
    "counter",
  );
  out.push(`easy_adapt_lm_share_cap_declines_total ${values.shareCapDeclines}`);
  header(
    out,
    "easy_adapt_lm_request_cap_declines_total",
    "Inputs the router sent to the LM that the SSM answered because their request had spent --max-lm-calls-per-request.",
    "counter",
  );
  out.push(`easy_adapt_lm_request_cap_declines_total ${values.requestCapDeclines}`);
  header(
    out,
    "easy_adapt_cut_off_inputs_total",
    "LM-routed inputs whose LM call was cut off or never made: the client went away, or the server shut down.",
    "counter",
  );
  for (const reason of cutOffReasons) {
    out.push(`easy_adapt_cut_off_inputs_total{reason="${reason}"} ${values.cutOffs[reason]}`);
  }
  header(out, "easy_adapt_lm_call_duration_seconds", "Latency of the large-model calls.", "histogram");
  out.push(values.lmCallDuration.render("easy_adapt_lm_call_duration_seconds", ""));
}

/** CPU time and resident memory of the server process. */
function renderProcess(out: string[]): void {
  const cpu = process.cpuUsage();
  header(out, "process_cpu_seconds_total", "User and system CPU time of the server process.", "counter");
  out.push(`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
  header(out, "process_resident_memory_bytes", "Resident memory of the server process.", "gauge");
  out.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
}

/** The `# HELP` and `# TYPE` lines of a metric family. */
function header(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}
