/** The header that names where an answer came from (`ssm`, `lm`, `fallback`; a batch lists each once). */
export const routeHeader = "x-easy-adapt-route";

/** A 200 with a JSON body serialised beforehand, and the route header when `route` is given. */
export function jsonResponse(body: string, route?: string): Response {
  return new Response(
    body,
    route === undefined
      ? { headers: { "content-type": "application/json" } }
      : { headers: { "content-type": "application/json", [routeHeader]: route } },
  );
}
