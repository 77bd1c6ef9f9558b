export type { RowReadOptions } from "./row-read-options.js";
export { sharedDatasetsDir } from "./shared-datasets.js";
export { loadRows, streamRows } from "./stream-rows.js";
export { loadTask, parseTask, taskSchema } from "./task-file.js";
export { taskFromRows } from "./task-from-rows.js";
export { trainingSetFromRows } from "./training-set.js";
