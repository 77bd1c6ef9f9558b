import type { z } from "zod";

/** A one-line description of the first validation issue, naming the field (`messages.0.role: ...`). */
export function zodIssueMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid request body";
  const path = issue.path.map(String).join(".");
  return path === "" ? issue.message : `${path}: ${issue.message}`;
}
