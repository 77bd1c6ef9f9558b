import { cutOffReasons, lmErrorOutcomes, lmOutcomes, routes } from "./metric-labels.js";
import {
  type AdapterSeries,
  adapterSeries,
  createServeMetricValues,
  type ServeMetricValues,
} from "./serve-metric-values.js";

/**
 * The metrics in the Prometheus text format, in this order: HTTP requests, answers by route, LM
 * calls, the decision log, the process, then the gauges in the order they were added.
 */
export function renderServeMetrics(values: ServeMetricValues): string {
  const out: string[] = [];
  renderRequests(out, values);
  const answers = labelledSeries(values);
  renderPredictions(out, answers);
  renderLmCalls(out, values, answers);
  header(out, "easy_adapt_decision_log_errors_total", "Failed writes to the decision log.", "counter");
  out.push(`easy_adapt_decision_log_errors_total ${values.decisionLogErrors}`);
  renderProcess(out);
  renderGauges(out, values);
  return `${out.join("\n")}\n`;
}

/** One adapter's answers, with the label text that names it ("" when one adapter is served). */
interface LabelledSeries {
  /** `adapter="<name>"`, or "". */
  label: string;
  series: AdapterSeries;
}

/**
 * The answers' series of every adapter: labelled `adapter="<name>"` when there are several,
 * unlabelled when there is one (or none yet: then zeros).
 */
function labelledSeries(values: ServeMetricValues): LabelledSeries[] {
  if (values.adapters.size === 0)
    return [{ label: "", series: adapterSeries(createServeMetricValues(), "") }];
  const several = values.adapters.size > 1;
  return [...values.adapters].map(([name, series]) => ({
    label: several ? `adapter=${JSON.stringify(name)}` : "",
    series,
  }));
}

/** The label texts `label` and `more`, comma-separated (`adapter="a",route="ssm"`), either of them possibly "". */
function joined(label: string, more = ""): string {
  return [label, more].filter((part) => part !== "").join(",");
}

/** The labels `label` and `more` in braces (`{adapter="a",route="ssm"}`), or "" when both are empty. */
function braces(label: string, more = ""): string {
  const inside = joined(label, more);
  return inside === "" ? "" : `{${inside}}`;
}

/** The gauges in the order they were added, the samples of one name together under one header. */
function renderGauges(out: string[], values: ServeMetricValues): void {
  const names = [...new Set(values.gauges.map((gauge) => gauge.name))];
  for (const name of names) {
    const samples = values.gauges.filter((gauge) => gauge.name === name);
    header(out, name, samples[0]!.help, "gauge");
    for (const gauge of samples) {
      const labels = typeof gauge.labels === "function" ? gauge.labels() : (gauge.labels ?? "");
      out.push(`${name}${braces(labels)} ${gauge.read()}`);
    }
  }
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

/** Answers by route, their latency by route, and the fallbacks by reason (each by adapter when several). */
function renderPredictions(out: string[], answers: readonly LabelledSeries[]): void {
  header(out, "easy_adapt_predictions_total", "Answers by route (ssm, lm, fallback).", "counter");
  for (const { label, series } of answers) {
    for (const route of routes) {
      out.push(
        `easy_adapt_predictions_total${braces(label, `route="${route}"`)} ${series.predictionCounts[route]}`,
      );
    }
  }
  header(out, "easy_adapt_prediction_duration_seconds", "Latency of one answer by route.", "histogram");
  for (const { label, series } of answers) {
    for (const route of routes) {
      const labels = joined(label, `route="${route}"`);
      out.push(series.predictionDurations[route].render("easy_adapt_prediction_duration_seconds", labels));
    }
  }
  header(out, "easy_adapt_fallbacks_total", "Answers with route fallback, by reason.", "counter");
  for (const { label, series } of answers) {
    for (const [reason, count] of series.fallbackCounts) {
      out.push(`easy_adapt_fallbacks_total${braces(label, `reason="${reason}"`)} ${count}`);
    }
  }
}

/**
 * LM calls, their failures by reason, the inputs the share cap and the per-request cap kept local
 * (by adapter when several),
 * the inputs cut off by a client that left or by shutdown, and the calls' latency.
 */
function renderLmCalls(out: string[], values: ServeMetricValues, answers: readonly LabelledSeries[]): void {
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
  for (const { label, series } of answers) {
    out.push(`easy_adapt_lm_share_cap_declines_total${braces(label)} ${series.shareCapDeclines}`);
  }
  header(
    out,
    "easy_adapt_lm_request_cap_declines_total",
    "Inputs the router sent to the LM that the SSM answered because their request had spent --max-lm-calls-per-request.",
    "counter",
  );
  for (const { label, series } of answers) {
    out.push(`easy_adapt_lm_request_cap_declines_total${braces(label)} ${series.requestCapDeclines}`);
  }
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
