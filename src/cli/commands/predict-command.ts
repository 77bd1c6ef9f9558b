import type { Command } from "commander";
import { z } from "zod";
import { loadAdapterArtifact } from "../../adapter/adapter-artifact.js";
import { adapterFromArtifact, type ClosableAdapter } from "../../adapter/load-adapter.js";
import { UsageError } from "../../spec/errors/usage-error.js";
import { withAdapterLmDefaults } from "../adapter-lm-defaults.js";
import { addLargeModelOptions, type LargeModelSetup, largeModelFromOptions } from "../lm-options.js";
import { parseOptions } from "../parse-options.js";
import { runAction } from "../run-action.js";

const predictOptionsSchema = z.object({
  adapter: z.string({ error: "--adapter DIR is required" }).min(1),
  json: z.boolean().default(false),
  lmModel: z.string().optional(),
  lmBaseUrl: z.string().optional(),
});

export function registerPredictCommand(program: Command): void {
  const command = program
    .command("predict")
    .description(
      "classify texts with an adapter: the small model first, the LM only where the router sends it",
    )
    .argument("<text...>", "the text(s) to classify")
    .option("--adapter <dir>", "adapter folder written by `easy-adapt adapt`")
    .option("--json", "print one JSON object per text")
    .addHelpText(
      "after",
      '\nWithout --lm-base-url / --lm-model no LM is called: inputs the router sends to the LM are answered by the small model (route "fallback").\n' +
        "--lm-model and --lm-base-url default to the model and API the adapter was calibrated against.",
    );
  addLargeModelOptions(command);
  command.action(
    runAction(async (texts: string[], rawOptions: Record<string, unknown>) =>
      predictCommand(texts, rawOptions),
    ),
  );
}

async function predictCommand(texts: string[], rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseOptions(predictOptionsSchema, rawOptions);
  const artifact = await loadAdapterArtifact(options.adapter);
  let setup: LargeModelSetup | undefined;
  if (options.lmModel !== undefined || options.lmBaseUrl !== undefined) {
    setup = largeModelFromOptions(withAdapterLmDefaults(rawOptions, artifact.description), process.env);
  }
  let adapter: ClosableAdapter | undefined;
  try {
    adapter = await adapterFromArtifact(artifact, { largeModel: setup?.model });
    if (texts.some((text) => text.trim() === "")) throw new UsageError("a text to classify is empty");
    // Several texts are one batch: an adapter with an LM-share cap (--max-lm-share) holds it over
    // them. One text is no batch (under a cap below 1 it could never reach the LM): the threshold decides.
    const predictions =
      texts.length === 1
        ? [await adapter.predict(texts[0] ?? "")]
        : await adapter.predictBatch(texts, setup === undefined ? {} : { concurrency: setup.concurrency });
    // Without an LM the runtime answers the LM-routed texts from the SSM (fallback reason "no-lm");
    // that is the documented behaviour, not a failure: say so once.
    const routedToLm = predictions.filter((prediction) => prediction.fallbackReason === "no-lm").length;
    if (routedToLm > 0) {
      process.stderr.write(
        `note: no LM configured (--lm-base-url/--lm-model): ${routedToLm} of ${texts.length} texts the router sends to the LM were answered by the small model\n`,
      );
    }
    const failed = predictions.filter((prediction) => prediction.lmError !== undefined);
    if (failed.length > 0) {
      process.stderr.write(
        `note: the LM call failed for ${failed.length} of ${texts.length} texts (the small model answered): ${failed[0]?.lmError}\n`,
      );
    }
    for (const [index, prediction] of predictions.entries()) {
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ text: texts[index], ...prediction })}\n`);
      } else {
        const reason =
          prediction.fallbackReason === "no-lm"
            ? " (no LM)"
            : prediction.fallbackReason === undefined
              ? ""
              : ` (${prediction.fallbackReason})`;
        process.stdout.write(
          `${prediction.label}\t${prediction.route}${reason}\t${prediction.confidence.toFixed(3)}\n`,
        );
      }
    }
  } finally {
    await adapter?.close();
    setup?.close();
  }
}
