/**
 * The operator's own networks (`internalNetworks`: CIDRs such as the VPC's, IPv4 and IPv6) and the well-known
 * addresses an alert names whatever its classification. Pure; addresses are compared as 128-bit numbers, an
 * IPv4 address as its IPv4-mapped form (`::ffff:a.b.c.d`), so a mapped target matches an IPv4 CIDR.
 */
import { parseIpv4, parseIpv6 } from './ftp-address';

export class InvalidNetworkError extends Error {
  override readonly name = 'InvalidNetworkError';
  constructor(readonly value: string, reason: string) {
    super(`invalid network ${JSON.stringify(value.slice(0, 60))}: ${reason}; expected a CIDR such as 10.0.0.0/16 or 2001:db8::/56`);
  }
}

const MAPPED_PREFIX = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

/** An address as logged (IPv4, IPv6, IPv4-mapped) as a 128-bit number; null for anything else. */
export function addressValue(text: string): bigint | null {
  if (text.includes(':')) {
    const groups = parseIpv6(text);
    if (groups === null) return null;
    let value = 0n;
    for (const group of groups) value = (value << 16n) | BigInt(group);
    return value;
  }
  const octets = parseIpv4(text);
  if (octets === null) return null;
  return MAPPED_PREFIX | BigInt(((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3]);
}

/** One CIDR, as written and as numbers. */
export interface Network {
  /** Canonical text, e.g. `10.0.0.0/16`. */
  readonly cidr: string;
  readonly base: bigint;
  readonly mask: bigint;
  readonly ipv4: boolean;
}

/** `10.0.0.0/16`, `2001:db8::/56`; a host address without a prefix is one address. Throws InvalidNetworkError. */
export function parseNetwork(text: string): Network {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const ipv4 = !address.includes(':');
  const value = addressValue(address);
  if (value === null) throw new InvalidNetworkError(text, `${JSON.stringify(address.slice(0, 45))} is not an IPv4 or IPv6 address`);
  const bits = ipv4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const digits = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(digits) || Number(digits) > bits) {
      throw new InvalidNetworkError(text, `the prefix length must be a number from 0 to ${bits}`);
    }
    prefix = Number(digits);
  }
  const hostBits = BigInt(bits - prefix);
  const mask = ALL_ONES ^ ((1n << hostBits) - 1n);
  if ((value & mask) !== value) {
    throw new InvalidNetworkError(text, 'host bits are set after the prefix: write the network address');
  }
  return { cidr: `${address.toLowerCase()}/${prefix}`, base: value, mask, ipv4 };
}

/** A set of networks; empty by default (no `internalNetworks` configured). */
export class NetworkSet {
  static readonly EMPTY = new NetworkSet([]);

  constructor(readonly networks: readonly Network[]) {}

  get size(): number {
    return this.networks.length;
  }

  /** The first network holding `address` (as logged), or null (also for text that is no address). */
  find(address: string): Network | null {
    if (this.networks.length === 0) return null;
    const value = addressValue(address);
    if (value === null) return null;
    for (const network of this.networks) if ((value & network.mask) === network.base) return network;
    return null;
  }
}

/**
 * Comma- or whitespace-separated CIDRs → a NetworkSet; empty text → the empty set. Throws
 * InvalidNetworkError naming the first bad entry.
 */
export function parseNetworks(text: string): NetworkSet {
  const entries = text.split(/[\s,]+/).filter((entry) => entry !== '');
  return entries.length === 0 ? NetworkSet.EMPTY : new NetworkSet(entries.map(parseNetwork));
}

/** Addresses that mean something particular on AWS whatever the classification of the refusal. */
export type WellKnownTargetKind = 'instance-metadata' | 'loopback' | 'vpc-dns';

export interface WellKnownTarget {
  readonly kind: WellKnownTargetKind;
  /** For `vpc-dns` from an internal network: the network whose `.2` it is. */
  readonly network: string | null;
}

const IMDS_V4 = addressValue('169.254.169.254');
const IMDS_V6 = addressValue('fd00:ec2::254');
const AMAZON_DNS_LINK_LOCAL = addressValue('169.254.169.253');
const LOOPBACK_V6 = 1n;
const LOOPBACK_V4 = parseNetwork('127.0.0.0/8');

/**
 * Which well-known address `ip` is: the instance metadata service, the server's own loopback, or the VPC DNS
 * resolver (169.254.169.253, or the network address plus two of an IPv4 `internalNetworks` entry, where the
 * Amazon-provided resolver of a VPC range answers). Null for any other address.
 */
export function wellKnownTarget(ip: string, internalNetworks: NetworkSet = NetworkSet.EMPTY): WellKnownTarget | null {
  const value = addressValue(ip);
  if (value === null) return null;
  if (value === IMDS_V4 || value === IMDS_V6) return { kind: 'instance-metadata', network: null };
  if (value === LOOPBACK_V6 || (value & LOOPBACK_V4.mask) === LOOPBACK_V4.base) return { kind: 'loopback', network: null };
  if (value === AMAZON_DNS_LINK_LOCAL) return { kind: 'vpc-dns', network: null };
  for (const network of internalNetworks.networks) {
    if (network.ipv4 && value === network.base + 2n && (value & network.mask) === network.base) return { kind: 'vpc-dns', network: network.cidr };
  }
  return null;
}
