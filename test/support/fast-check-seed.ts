/**
 * Every property test runs on one fixed seed, so CI checks the same generated cases on every run: a property that
 * holds for them cannot turn a build red by chance one day. The properties were fuzzed with ten times their runs on
 * random seeds before the seed was fixed. To explore other cases, run jest with FC_SEED=<integer> or FC_SEED=random.
 */
import fc from 'fast-check';

const requested = process.env.FC_SEED;
if (requested !== 'random') {
  const seed = requested === undefined ? 11209 : Number(requested);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got "${requested}"`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
