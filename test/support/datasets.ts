import { sharedDatasetsDir } from "../../src/data/shared-datasets.js";

/** The shared datasets folder; tests that need it use `describe.skipIf(!datasetsDir)` and say why. */
export const datasetsDir = sharedDatasetsDir();
if (datasetsDir === undefined) {
  console.warn("../shared/datasets is absent: tests that read the recorded datasets are skipped.");
}
