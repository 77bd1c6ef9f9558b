/** A connection to serve's inspector that forces a full garbage collection and reads the live heap. */
export interface HeapProbe {
  /** Runs a full, memory-reducing garbage collection in serve, then returns its live JS heap in MB. */
  collectGarbage(): Promise<number>;
  close(): void;
}

/** The inspector's WebSocket URL in what `node --inspect=127.0.0.1:0` wrote to stderr, if it is there yet. */
export function inspectorUrlOf(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
}

/**
 * Opens the Chrome DevTools protocol on `url` (Node's global WebSocket: node 20 needs
 * `--experimental-websocket`). `HeapProfiler.collectGarbage` is V8's low-memory notification: a
 * full, compacting collection that also gives unused pages back, so the RSS read right after it is
 * serve's memory without the garbage V8 lets pile up between its own full collections.
 */
export async function openHeapProbe(url: string): Promise<HeapProbe> {
  if (typeof WebSocket !== "function")
    throw new Error("the soak needs a global WebSocket: run node with --experimental-websocket");
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener(
      "error",
      () => reject(new Error(`cannot connect to serve's inspector at ${url}`)),
      {
        once: true,
      },
    );
  });
  let nextId = 1;
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
    if (message.id !== undefined) pending.get(message.id)?.(message.result ?? {});
  });
  const call = (method: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (result) => {
        pending.delete(id);
        resolve(result);
      });
      socket.send(JSON.stringify({ id, method }));
    });
  return {
    async collectGarbage() {
      await call("HeapProfiler.collectGarbage");
      const usage = await call("Runtime.getHeapUsage");
      return Math.round((Number(usage.usedSize) / 1024 / 1024) * 10) / 10;
    },
    close: () => socket.close(),
  };
}
