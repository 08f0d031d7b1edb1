// Load-aware placement: what a heartbeat's summaries say about an origin's load, in one number.
// A new stream goes to the live backend with the lowest (load score + streams Switchyard bound
// to it) / weight; equal costs (no signals at all) fall back to the random draw. The store
// applies the rule (the Upstash store in Lua, so a pick stays one atomic round trip).

import type { BackendLoad, BackendRecord } from '../shared/api-types.ts';
import { BadRequestError } from '../shared/errors.ts';

/** One stream-equivalent each: 1 % of system CPU, one SRS connection, 10 Mbit/s of SRS traffic. */
export const CPU_UNITS = 100;
export const KBPS_PER_UNIT = 10_000;

const MAX_WEIGHT = 1000;

function finite(value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}

/**
 * The load in a heartbeat's `summaries` (SRS `heartbeat { summaries on; }`), or undefined when
 * the body has none. `previous` (the last heartbeat's load) turns SRS's byte counters into a rate.
 * Malformed summaries are ignored rather than refused: load is a hint, the heartbeat is the fact.
 */
export function loadFromSummaries(body: Record<string, unknown>, previous?: BackendLoad): BackendLoad | undefined {
  const data = (body.summaries as { data?: { system?: Record<string, unknown> } } | undefined)?.data;
  const system = data?.system;
  if (typeof system !== 'object' || system === null) return undefined;
  const cpu = finite(system.cpu_percent, 0, 1024);
  const connections = finite(system.conn_srs);
  if (cpu === undefined || connections === undefined) return undefined;
  const at = finite(system.srs_sample_time) ?? 0;
  const bytes = (finite(system.srs_recv_bytes) ?? 0) + (finite(system.srs_send_bytes) ?? 0);
  let kbps = 0;
  if (previous && at > previous.sample.at && bytes >= previous.sample.bytes) {
    kbps = Math.round(((bytes - previous.sample.bytes) * 8) / (at - previous.sample.at));
  }
  const score = cpu * CPU_UNITS + connections + kbps / KBPS_PER_UNIT;
  return { cpu, connections, kbps, sample: { at, bytes }, score: Math.round(score * 1000) / 1000 };
}

/** The optional `weight` of a registration body (manual API); 1 when absent. */
export function parseWeight(body: Record<string, unknown>): number | undefined {
  const value = body.weight;
  if (value === undefined || value === null) return undefined;
  if (finite(value, 0.001, MAX_WEIGHT) === undefined)
    throw new BadRequestError(`field "weight" must be a number in 0.001..${MAX_WEIGHT}`);
  return value as number;
}

/** What placing one more stream on `backend` costs, given the streams already bound to it. */
export function placementCost(backend: BackendRecord, boundStreams: number): number {
  return ((backend.load?.score ?? 0) + boundStreams) / (backend.weight ?? 1);
}

/**
 * Index of the cheapest candidate; among equal costs the `random` draw in [0, 1) decides.
 * Mirrored by the Lua in store/scripts/pick-backend.ts.
 */
export function cheapest(costs: number[], random: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (const c of costs) if (c < min) min = c;
  const ties: number[] = [];
  costs.forEach((c, i) => {
    if (c - min <= 1e-9) ties.push(i);
  });
  return ties[Math.min(ties.length - 1, Math.floor(random * ties.length))] as number;
}
