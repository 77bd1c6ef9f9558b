import { isIP } from "node:net";

/**
 * Whether `url`'s host is this machine or a private network's: loopback, `localhost`, private and
 * link-local IPv4 and IPv6 ranges, carrier-grade NAT, and names no public DNS serves (a name
 * without a dot such as a container's `vllm`, `*.local`, `*.internal`, `*.lan`, `*.home.arpa`).
 * A local LM server needs no API key; a public endpoint does.
 */
export function isLocalOrPrivateUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  const bare = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname.replace(/\.$/, "");
  const version = isIP(bare);
  if (version === 4) return isPrivateIpv4(bare);
  if (version === 6) return isPrivateIpv6(bare);
  if (bare === "localhost" || !bare.includes(".")) return true;
  return /\.(localhost|local|internal|lan|home\.arpa)$/.test(bare);
}

function isPrivateIpv4(address: string): boolean {
  const [a = -1, b = -1] = address.split(".").map(Number);
  return (
    a === 127 ||
    a === 10 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

function isPrivateIpv6(address: string): boolean {
  if (address === "::1" || address === "::") return true;
  // An IPv4-mapped address, as the URL parser writes it (::ffff:7f00:1 for ::ffff:127.0.0.1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (mapped?.[1] !== undefined && mapped[2] !== undefined) {
    const high = Number.parseInt(mapped[1], 16);
    const low = Number.parseInt(mapped[2], 16);
    return isPrivateIpv4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  // fc00::/7 (unique local) and fe80::/10 (link-local).
  return /^f[cd][0-9a-f]{0,2}:/.test(address) || /^fe[89ab][0-9a-f]?:/.test(address);
}
