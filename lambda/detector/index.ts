/** Rule 11209 detector: pure, no AWS, no I/O. The only entry points other modules use. */
export type { Classification, DataTarget, Finding, FtpCommand, Severity } from './finding';
export { formatTarget, SEVERITY_RANK } from './finding';
export {
  createLineDetector,
  detectLine,
  type DetectorOptions,
  hasEscapedAscii,
  type LineDetector,
  mayContainRefusal,
  refusalKeywords,
} from './rule-11209';
export type { ClassificationText, RuleText } from './rule-11209.messages';
export { CLASSIFICATION_RULES, REJECTION_TEXT, RULE_11209_TEXT } from './rule-11209.messages';
export { explainLine, type LineExplanation } from './explain';
export type { RejectionCode } from './line-format';
export {
  addressValue,
  InvalidNetworkError,
  type Network,
  NetworkSet,
  parseNetwork,
  parseNetworks,
  type WellKnownTarget,
  type WellKnownTargetKind,
  wellKnownTarget,
} from './networks';
