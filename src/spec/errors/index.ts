export { ArtifactError } from "./artifact-error.js";
export { DataError, type DataErrorLocation } from "./data-error.js";
export { EasyAdaptError } from "./easy-adapt-error.js";
export { ServeRequestError } from "./serve-request-error.js";
export { ServeStartError } from "./serve-start-error.js";
export { TextEncoderError } from "./text-encoder-error.js";
export { UsageError } from "./usage-error.js";
