import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";

/** The LM refused the credentials (HTTP 401 or 403). Never retried; names the env var that held the key. */
export class LargeModelAuthenticationError extends EasyAdaptError {
  readonly status: number;
  readonly apiKeyEnv: string | undefined;

  constructor(details: { status: number; apiKeyEnv?: string | undefined; serverMessage?: string }) {
    const keySource =
      details.apiKeyEnv === undefined
        ? "no API key was sent (pass --lm-api-key-env NAME to name the environment variable holding it)"
        : `check the API key in the environment variable ${details.apiKeyEnv}`;
    const serverSays = details.serverMessage ? ` (server says: ${details.serverMessage})` : "";
    super(
      `the large model refused authentication with HTTP ${details.status} (not retried): ${keySource}${serverSays}`,
      {
        isUserError: true,
        exitCode: 1,
      },
    );
    this.name = "LargeModelAuthenticationError";
    this.status = details.status;
    this.apiKeyEnv = details.apiKeyEnv;
  }
}
