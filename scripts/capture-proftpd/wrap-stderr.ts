/**
 * `tsx wrap-stderr.ts STDERR_FILE OUT_DIR`: proftpd's stderr (`proftpd -n`) as the container runtimes store it,
 * for the fixtures of scripts/capture-proftpd/run.sh. No container runtime runs in the capture, so each raw
 * line is wrapped here in the runtime's documented format, the line itself unchanged:
 * - `stderr.log`: the raw lines (what `docker logs` or `kubectl logs` print);
 * - `docker-json-file.log`: Docker's json-file driver, `{"log":"<line>\n","stream":"stderr","time":"<RFC 3339 nano>"}`;
 * - `cri-containerd.log`: the Kubernetes CRI format containerd writes, `<RFC 3339 nano> stderr F <line>`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [input, out] = process.argv.slice(2);
if (!input || !out) {
  console.error('usage: tsx wrap-stderr.ts STDERR_FILE OUT_DIR');
  process.exit(2);
}
const lines = readFileSync(input, 'latin1').split('\n').filter((line) => line !== '');
const start = Date.now();
/** An RFC 3339 time with nanoseconds, one microsecond apart per line (the runtimes' own resolution). */
const stamp = (index: number): string => {
  const iso = new Date(start + Math.floor(index / 1000)).toISOString();
  return `${iso.slice(0, 23)}${String((index % 1000) * 1000).padStart(6, '0')}Z`;
};
writeFileSync(join(out, 'stderr.log'), lines.map((line) => `${line}\n`).join(''), 'latin1');
writeFileSync(
  join(out, 'docker-json-file.log'),
  lines.map((line, i) => `${JSON.stringify({ log: `${line}\n`, stream: 'stderr', time: stamp(i) })}\n`).join(''),
  'latin1',
);
writeFileSync(join(out, 'cri-containerd.log'), lines.map((line, i) => `${stamp(i)} stderr F ${line}\n`).join(''), 'latin1');
