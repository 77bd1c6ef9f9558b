import { describe, expect, it } from "vitest";
import { createConcurrencyLimit } from "../../src/util/concurrency-limit.js";

describe("the concurrency limit", () => {
  it("lets a waiting task leave the queue when its signal aborts, and hands the slot to the next", async () => {
    const limit = createConcurrencyLimit(1);
    let release = () => {};
    const running = limit.run(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const controller = new AbortController();
    const ran: string[] = [];
    const leaving = limit.run(async () => ran.push("left"), controller.signal);
    const staying = limit.run(async () => ran.push("stayed"));
    expect(limit.waiting).toBe(2);
    controller.abort(new Error("deadline"));
    await expect(leaving).rejects.toThrow("deadline");
    expect(limit.waiting).toBe(1);
    release();
    await running;
    await staying;
    expect(ran).toEqual(["stayed"]);
    expect(limit.active).toBe(0);
    expect(limit.waiting).toBe(0);
  });

  it("refuses at once a task whose signal already aborted", async () => {
    const limit = createConcurrencyLimit(1);
    await expect(limit.run(async () => 1, AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
    expect(limit.active).toBe(0);
  });
});
