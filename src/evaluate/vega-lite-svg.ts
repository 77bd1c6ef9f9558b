import type { TopLevelSpec } from "vega-lite";

/**
 * Renders a Vega-Lite spec to a standalone SVG document, in Node (no browser, no canvas). Vega is
 * imported on first use: it takes most of a second to load, which commands that never draw a
 * chart should not pay.
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  // Warnings would go to the console; a spec error still throws.
  const quiet = vega.logger(vega.Error);
  const vegaSpec = vegaLite.compile(spec, { logger: quiet }).spec;
  const view = new vega.View(vega.parse(vegaSpec), { renderer: "none", logger: quiet });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
