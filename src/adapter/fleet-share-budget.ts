import type { RedisLink } from "../util/redis-link.js";
import { createRunningShareBudget, type RunningShareBudget, savedShareInputs } from "./lm-share-budget.js";

/**
 * A running LM-share budget as serve uses it: `admit(false)` (an input the router keeps local)
 * answers at once, `admit(true)` may wait for the budget shared by a fleet of replicas.
 */
export interface ShareBudget {
  admit(routerWantsLm: boolean): boolean | Promise<boolean>;
}

/** Where a fleet's budget lives and what it holds. */
export interface FleetShareBudgetOptions {
  /** The Redis hash of this adapter's bucket, e.g. "easy-adapt:share:tickets". */
  key: string;
  /** The adapter's cap S; without one the budget admits whatever the router sends, Redis untouched. */
  maxLmShare: number | undefined;
  /** How soon the inputs kept local are added to the shared bucket when no LM-bound input comes (default 200 ms). */
  flushMs?: number;
}

/**
 * The token bucket of `createRunningShareBudget`, held in Redis for every replica at once and
 * updated atomically by one Lua script: every input of the fleet earns S of a call, a call spends
 * one, at most S × 100 are kept. So after n inputs across the fleet at most ⌈S × n⌉ (+1) went to
 * the LM. Inputs the router keeps local never wait for Redis: they are counted here and added with
 * the next LM-bound input's call (or by a timer). While Redis is unreachable each replica holds
 * the cap alone with a fresh local budget (the fleet may then exceed it by up to one call per
 * replica and S of each replica's inputs), and returns to the shared bucket when Redis is back.
 */
export function createFleetShareBudget(link: RedisLink, options: FleetShareBudgetOptions): ShareBudget {
  const share = options.maxLmShare;
  if (share === undefined) return createRunningShareBudget(undefined);
  const most = Math.max(1, share * savedShareInputs);
  let local: RunningShareBudget | undefined;
  let pending = 0;
  let flushScheduled = false;
  const send = (inputs: number, wants: boolean) =>
    link.client.eval(bucketScript, 1, options.key, share, most, inputs, wants ? 1 : 0) as Promise<number>;
  const flush = () => {
    flushScheduled = false;
    const inputs = pending;
    pending = 0;
    if (inputs > 0)
      void link.run(
        () => send(inputs, false),
        () => 0,
      );
  };
  const localBudget = () => {
    // A fresh budget at each outage: the credit saved before it is not spent at once.
    local ??= createRunningShareBudget(share);
    pending = 0;
    return local;
  };
  return {
    admit(routerWantsLm) {
      if (!link.up) return localBudget().admit(routerWantsLm);
      local = undefined;
      if (!routerWantsLm) {
        pending += 1;
        if (!flushScheduled) {
          flushScheduled = true;
          setTimeout(flush, options.flushMs ?? 200).unref();
        }
        return false;
      }
      const inputs = pending + 1;
      pending = 0;
      return link.run(
        async () => (await send(inputs, true)) === 1,
        () => localBudget().admit(true),
      );
    },
  };
}

/**
 * KEYS[1]: the bucket (a hash: saved, inputs, calls). ARGV: S, the most kept, the inputs to count,
 * 1 when the last of them wants the LM. Returns 1 when that input may go to the LM.
 */
const bucketScript = `
local share = tonumber(ARGV[1])
local most = tonumber(ARGV[2])
local inputs = tonumber(ARGV[3])
local saved = tonumber(redis.call("HGET", KEYS[1], "saved"))
if saved == nil then saved = 1 - share end
saved = math.min(saved + inputs * share, most)
redis.call("HINCRBY", KEYS[1], "inputs", inputs)
local admitted = 0
if ARGV[4] == "1" and saved >= 1 - 1e-9 then
  saved = saved - 1
  admitted = 1
  redis.call("HINCRBY", KEYS[1], "calls", 1)
end
redis.call("HSET", KEYS[1], "saved", string.format("%.17g", saved))
return admitted
`;
