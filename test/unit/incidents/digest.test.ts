/**
 * Digest parts (docs/design.md section 8): every due line is named in some message, in parts of at most
 * DIGEST_MAX_ENTRIES entries; a part's id names its bucket and its lines; late lines say so.
 */
import { renderEmail } from '../../../lambda/alerts/render/email';
import {
  buildDigestParts,
  DIGEST_MAX_ENTRIES,
  digestBucketId,
  INCIDENT_DEFAULTS,
  type KeyedDigestLine,
} from '../../../lambda/incidents';

const BUCKET_END = Date.UTC(2024, 4, 2);

function lines(n: number, reason: 'low-severity' | 'flood-guard' = 'low-severity'): KeyedDigestLine[] {
  return Array.from({ length: n }, (_, i) => ({
    key: { account: '123456789012', region: 'eu-west-1', logGroup: '/ftp', srcIp: `203.0.113.${i % 250}` },
    line: {
      reason,
      bucketEnd: BUCKET_END,
      incidentId: i.toString(16).padStart(32, '0'),
      classification: 'nat-misconfiguration',
      severity: 'low',
      count: 1 + (i % 7),
      firstSeen: BUCKET_END - 3_600_000,
      lastSeen: BUCKET_END - 60_000,
      targets: { '192.168.1.20:50000': 1 },
    },
  }));
}

describe('buildDigestParts', () => {
  it.each([
    // [lines, entries per part]
    [1, [1]],
    [DIGEST_MAX_ENTRIES, [DIGEST_MAX_ENTRIES]],
    [DIGEST_MAX_ENTRIES + 1, [DIGEST_MAX_ENTRIES, 1]],
    [250, [100, 100, 50]],
  ])('lists %i lines in parts of %j entries, each line once, nothing truncated', (n, sizes) => {
    const parts = buildDigestParts(lines(n), INCIDENT_DEFAULTS);

    expect(parts.map((p) => p.digest?.entries.length)).toEqual(sizes);
    expect(parts.map((p) => p.digest?.entriesTruncated)).toEqual(sizes.map(() => 0));
    expect(new Set(parts.flatMap((p) => p.digest?.entries.map((e) => e.incidentId))).size).toBe(n);
    expect(parts.map((p) => [p.digest?.part, p.digest?.parts])).toEqual(sizes.map((_, i) => [i + 1, sizes.length]));
  });

  it('gives the same lines the same ids, other lines other ids, and every part of a bucket one thread', () => {
    const all = lines(150);
    const once = buildDigestParts(all, INCIDENT_DEFAULTS);
    const again = buildDigestParts([...all].reverse(), INCIDENT_DEFAULTS);
    const fewer = buildDigestParts(all.slice(1), INCIDENT_DEFAULTS);
    const bucket = digestBucketId(all[0] as KeyedDigestLine);

    expect(again.map((p) => p.id)).toEqual(once.map((p) => p.id));
    expect(new Set(once.map((p) => p.id)).size).toBe(2);
    const entries = (p: (typeof once)[number]): string => JSON.stringify(p.digest?.entries.map((e) => e.incidentId));
    for (const part of fewer) {
      expect(once.some((p) => p.id === part.id)).toBe(once.some((p) => entries(p) === entries(part)));
    }
    expect(fewer.map((p) => p.id)).not.toEqual(once.map((p) => p.id));
    expect(once.map((p) => p.incidentId)).toEqual([bucket, bucket]);
  });

  it.each([
    // [lines, continued, title suffix, subject suffix]
    [3, false, /incidents$/, /UTC\)$/],
    [150, false, /\(part 2 of 2\)$/, /UTC, part 2\/2\)$/],
    [3, true, /\(late additions\)$/, /UTC, late\)$/],
    [150, true, /\(part 2 of 2, late additions\)$/, /UTC, part 2\/2, late\)$/],
  ])('%i lines, continued %s: the title and the email subject say which message this is', (n, continued, title, subject) => {
    const last = buildDigestParts(lines(n), INCIDENT_DEFAULTS, continued).at(-1);
    if (last === undefined) throw new Error('no digest');

    expect(last.title).toMatch(title);
    expect(last.digest?.continued).toBe(continued);
    expect(renderEmail(last).subject).toMatch(subject);
  });
});
