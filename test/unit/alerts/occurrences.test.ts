import { groupFindings } from '../../../lambda/alerts/group';
import { findingFromLine, located, REGION } from './builders';

/** rsyslog's `message repeated N times: [ ... ]` is one line and one finding, standing for N refusals. */
describe('an alert counts the refusals its findings stand for', () => {
  const refusal = 'ftp.example.com (host.isp.example[198.51.100.4]) - Refused PORT 203,0,113,7,4,1 (address mismatch)';

  it('adds occurrences: one plain line and one repeated 4 times count 5', () => {
    const plain = findingFromLine(`May  1 10:00:00 ftp1 proftpd[4242]: ${refusal}`);
    const repeated = findingFromLine(`May  1 10:00:01 ftp1 proftpd[4242]: message repeated 4 times: [ ${refusal}]`);

    const alerts = groupFindings([located(plain), located(repeated)], { region: REGION });

    expect(repeated.occurrences).toBe(4);
    expect(alerts.map((alert) => alert.count)).toEqual([5]);
  });

  it('keeps where each sample was seen', () => {
    const alerts = groupFindings([located(findingFromLine(`May  1 10:00:00 ftp[1] proftpd[4242]: ${refusal}`))], { region: REGION });

    expect(alerts[0]?.samples.map((sample) => sample.finding.host)).toEqual(['ftp[1]']);
  });
});
