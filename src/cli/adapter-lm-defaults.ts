import type { AdapterDescription } from "../adapter/adapter-parts.js";

/**
 * The LM flags of `eval`, `predict` and `serve` with the adapter's defaults filled in: --lm-model
 * the model it was calibrated against, --lm-base-url the API base URL it recorded (adapters
 * written before that was recorded: the provider's public endpoint, as before).
 */
export function withAdapterLmDefaults(
  rawOptions: Record<string, unknown>,
  description: Pick<AdapterDescription, "lmId" | "lmBaseUrl">,
): Record<string, unknown> {
  const lmId = description.lmId;
  return {
    ...rawOptions,
    lmModel: rawOptions["lmModel"] ?? lmId.slice(lmId.indexOf(":") + 1),
    ...(rawOptions["lmBaseUrl"] === undefined && description.lmBaseUrl !== undefined
      ? { lmBaseUrl: description.lmBaseUrl }
      : {}),
  };
}
