/**
 * Whether an IP address is one a registration download must not reach by
 * default: loopback, private, link-local, carrier-grade NAT, multicast,
 * reserved or unspecified (IPv4, IPv6 and IPv4-mapped IPv6).
 *
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";

const V4_BLOCKS: [number, number][] = [
  [0x00000000, 8], // "this" network
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (cloud metadata services live here)
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved and broadcast
];

/** Whether `ip` (a literal address) is non-public. Unparsable input counts as non-public. */
export function isPrivateAddress(ip: string): boolean {
  const addr = ip.replace(/^\[|\]$/g, "").split("%")[0]!;
  if (isIPv4(addr)) return isPrivateV4(v4ToInt(addr));
  if (!isIPv6(addr)) return true;
  const words = expandV6(addr);
  const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0);
  if (mapped || nat64) return isPrivateV4(((words[6]! << 16) | words[7]!) >>> 0);
  if (words.every((w) => w === 0)) return true; // ::
  if (words.slice(0, 7).every((w) => w === 0) && words[7] === 1) return true; // ::1
  const w0 = words[0]!;
  return (w0 & 0xfe00) === 0xfc00 || // unique local
    (w0 & 0xffc0) === 0xfe80 || // link-local
    (w0 & 0xff00) === 0xff00 || // multicast
    (w0 === 0x2001 && words[1] === 0x0db8); // documentation
}

function isPrivateV4(n: number): boolean {
  return V4_BLOCKS.some(([base, bits]) => (n >>> (32 - bits)) === (base >>> (32 - bits)));
}

function v4ToInt(addr: string): number {
  return addr.split(".").reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

function expandV6(addr: string): number[] {
  let text = addr;
  const tail = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (tail) {
    const n = v4ToInt(tail[1]!);
    text = text.slice(0, -tail[1]!.length) +
      `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const a = head ? head.split(":") : [];
  const b = rest !== undefined && rest !== "" ? rest.split(":") : [];
  const fill = rest === undefined ? [] : new Array(8 - a.length - b.length).fill("0");
  return [...a, ...fill, ...b].map((w) => parseInt(w, 16));
}
