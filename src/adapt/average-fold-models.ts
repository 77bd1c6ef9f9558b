import { averageNgramLinearModels } from "../small-models/average-ngram-linear-models.js";
import { averageNgramEmbeddingBlends } from "../small-models/ngram-embedding-blend.js";
import type { TrainedSsm } from "../small-models/ssm-trainer.js";

/**
 * The adapter's SSMs: the K fold models answer as their average, so they become one model where
 * their kind allows it (n-gram linear models, n-gram + embedding blends); otherwise all K are kept.
 */
export function averageFoldModels(models: TrainedSsm[]): TrainedSsm[] {
  const averaged = averageNgramLinearModels(models) ?? averageNgramEmbeddingBlends(models);
  return averaged === undefined ? models : [averaged];
}
