// The tests' redis-server is the one bench:fleet starts too: one implementation, in bench/fleet.
export {
  redisMissing,
  redisServerPath,
  startTestRedis,
  type TestRedis,
} from "../../bench/fleet/redis-server.js";
