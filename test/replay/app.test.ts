import { describe, expect, it } from "vitest";
import { createReplayApp, defaultOffLabelAnswer } from "../../src/replay/replay-app.js";

const answers = [
  { text: "where is my card?", answer: "card_arrival" },
  { text: "I lost my card", answer: "lost_or_stolen_card" },
  { text: "lost my card", answer: "card_arrival" },
  { text: "what is this?", answer: "" },
];

function chatRequest(lastUser: string, extra: Array<{ role: string; content: string }> = []) {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpt4",
      messages: [{ role: "system", content: "Labels: ..." }, ...extra, { role: "user", content: lastUser }],
      temperature: 0,
      max_tokens: 16,
    }),
  };
}

/** The fields these tests read (bodies are checked by the assertions themselves). */
interface ReplayBody {
  object: string;
  choices: Array<{ message: { role: string; content: string } }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  data: Array<{ id: string }>;
  error: { message: string; type: string; code: string };
}

async function bodyOf(response: Response): Promise<ReplayBody> {
  return (await response.json()) as ReplayBody;
}

async function answerTo(app: ReturnType<typeof createReplayApp>, lastUser: string) {
  const response = await app.request("/v1/chat/completions", chatRequest(lastUser));
  return { status: response.status, body: await bodyOf(response) };
}

describe("the replay app (in memory)", () => {
  const app = createReplayApp({ answers });

  it("answers the recorded answer of the last user message (trimmed exact match)", async () => {
    const { status, body } = await answerTo(app, "  where is my card?\n");
    expect(status).toBe(200);
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]!.message).toEqual({ role: "assistant", content: "card_arrival" });
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("uses the last user message, not earlier examples", async () => {
    const response = await app.request(
      "/v1/chat/completions",
      chatRequest("I lost my card", [
        { role: "user", content: "where is my card?" },
        { role: "assistant", content: "card_arrival" },
      ]),
    );
    expect((await bodyOf(response)).choices[0]!.message.content).toBe("lost_or_stolen_card");
  });

  it("falls back to the longest recorded text the message contains", async () => {
    const { body } = await answerTo(app, 'Classify this: "I lost my card" please');
    expect(body.choices[0]!.message.content).toBe("lost_or_stolen_card");
  });

  it("answers an off-label sentence where the recorded answer is empty", async () => {
    const { body } = await answerTo(app, "what is this?");
    expect(body.choices[0]!.message.content).toBe(defaultOffLabelAnswer);
  });

  it("answers 404 with an OpenAI-style error body for an unknown text", async () => {
    const { status, body } = await answerTo(app, "never recorded");
    expect(status).toBe(404);
    expect(body).toEqual({
      error: { message: expect.any(String), type: expect.any(String), code: "unknown_text" },
    });
  });

  it("answers 400 for invalid JSON and for a body without messages", async () => {
    const invalid = await app.request("/v1/chat/completions", { method: "POST", body: "{oops" });
    expect(invalid.status).toBe(400);
    expect((await bodyOf(invalid)).error.code).toBe("invalid_json");
    const empty = await app.request("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ messages: [] }),
    });
    expect(empty.status).toBe(400);
  });

  it("lists its model", async () => {
    const response = await createReplayApp({ answers, model: "gpt4" }).request("/v1/models");
    const body = await bodyOf(response);
    expect(body.object).toBe("list");
    expect(body.data[0]!.id).toBe("gpt4");
  });

  it("injects 429 (with retry-after-ms) and 500 at the seeded rate, the same way for the same seed", async () => {
    const statuses = async (seed: number) => {
      const faulty = createReplayApp({ answers, errorRate: 0.5, seed });
      const result: number[] = [];
      for (let index = 0; index < 40; index++) {
        const response = await faulty.request("/v1/chat/completions", chatRequest("where is my card?"));
        if (response.status === 429) expect(response.headers.get("retry-after-ms")).toBe("20");
        if (response.status !== 200) expect((await bodyOf(response)).error.type).toBeDefined();
        result.push(response.status);
      }
      return result;
    };
    const first = await statuses(7);
    expect(await statuses(7)).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(429);
    expect(first).toContain(500);
    expect(await statuses(8)).not.toEqual(first);
  });

  it("answers unknown routes with an OpenAI-style 404", async () => {
    const response = await app.request("/v1/nothing");
    expect(response.status).toBe(404);
    expect((await bodyOf(response)).error.code).toBe("unknown_route");
  });
});
