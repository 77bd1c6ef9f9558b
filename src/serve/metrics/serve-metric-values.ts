import type { FallbackReason, Route } from "../../spec/adapter.js";
import {
  type CutOffReason,
  fallbackReasons,
  type LmCallOutcome,
  type ServeEndpoint,
} from "./metric-labels.js";
import { PrometheusHistogram } from "./prometheus-histogram.js";

/** A gauge read when the metrics are rendered. */
export interface Gauge {
  name: string;
  help: string;
  read: () => number;
  /**
   * Its labels as rendered between the braces (e.g. `adapter="tickets"`), when it has any; a
   * function gives them at render time (labels that change, such as an adapter's id).
   */
  labels?: string | (() => string) | undefined;
}

/** The answers of one served adapter: by route, their latency, the fallbacks and the declines of the caps. */
export interface AdapterSeries {
  predictionCounts: Record<Route, number>;
  predictionDurations: Record<Route, PrometheusHistogram>;
  /** Answers with route "fallback", by reason. */
  fallbackCounts: Map<FallbackReason, number>;
  shareCapDeclines: number;
  requestCapDeclines: number;
}

/**
 * The values behind the server's metrics: counters, latency histograms and gauges. Request series
 * appear as their endpoint and status are first seen; the route and outcome series always exist,
 * the answers' once per served adapter (by the adapter's model name, "" for answers recorded
 * without one).
 */
export interface ServeMetricValues {
  requestCounts: Map<ServeEndpoint, Map<number, number>>;
  requestDurations: Map<ServeEndpoint, PrometheusHistogram>;
  /** The answers' series of each adapter, in the order the adapters were first named. */
  adapters: Map<string, AdapterSeries>;
  lmCallCounts: Record<LmCallOutcome, number>;
  lmCallDuration: PrometheusHistogram;
  decisionLogErrors: number;
  cutOffs: Record<CutOffReason, number>;
  gauges: Gauge[];
}

/** Every counter at zero, every histogram empty, no gauge. */
export function createServeMetricValues(): ServeMetricValues {
  return {
    requestCounts: new Map(),
    requestDurations: new Map(),
    adapters: new Map(),
    lmCallCounts: {
      ok: 0,
      "lm-timeout": 0,
      "lm-error": 0,
      "lm-unparseable": 0,
      auth: 0,
      "cut-off": 0,
      deadline: 0,
      "circuit-open": 0,
    },
    lmCallDuration: new PrometheusHistogram(),
    decisionLogErrors: 0,
    cutOffs: { "client-disconnect": 0, shutdown: 0 },
    gauges: [],
  };
}

/** The answers' series of the adapter served as `name`, created (at zero) on first use. */
export function adapterSeries(values: ServeMetricValues, name: string): AdapterSeries {
  let series = values.adapters.get(name);
  if (series === undefined) {
    series = {
      predictionCounts: { ssm: 0, lm: 0, fallback: 0 },
      predictionDurations: {
        ssm: new PrometheusHistogram(),
        lm: new PrometheusHistogram(),
        fallback: new PrometheusHistogram(),
      },
      fallbackCounts: new Map(fallbackReasons.map((reason) => [reason, 0])),
      shareCapDeclines: 0,
      requestCapDeclines: 0,
    };
    values.adapters.set(name, series);
  }
  return series;
}

/** Counts one request to `endpoint` under its status and adds its latency to the endpoint's histogram. */
export function countRequest(
  values: ServeMetricValues,
  endpoint: ServeEndpoint,
  status: number,
  seconds: number,
): void {
  let byStatus = values.requestCounts.get(endpoint);
  if (byStatus === undefined) {
    byStatus = new Map();
    values.requestCounts.set(endpoint, byStatus);
  }
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  let histogram = values.requestDurations.get(endpoint);
  if (histogram === undefined) {
    histogram = new PrometheusHistogram();
    values.requestDurations.set(endpoint, histogram);
  }
  histogram.observe(seconds);
}
