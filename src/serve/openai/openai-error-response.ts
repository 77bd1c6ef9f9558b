/**
 * The OpenAI error body `{"error":{"message","type","param","code"}}` as a JSON string; `param` is
 * always null (OpenAI's clients read the field, this server does not name one).
 */
export function openAiErrorBody(message: string, type: string, code: string): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

/** An OpenAI-style error response with the given HTTP status. */
export function openAiErrorResponse(status: number, message: string, type: string, code: string): Response {
  return new Response(openAiErrorBody(message, type, code), {
    status,
    headers: { "content-type": "application/json" },
  });
}
