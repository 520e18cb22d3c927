/** Alerts: grouping findings and rendering them (JSON, email, Slack, Chatbot, SNS). Pure: no AWS, no I/O. */
export type { Alert, AlertCommand, AlertLinks, AlertSample } from './alert';
export { ALERT_LIMITS } from './alert';
export type { GroupOptions, LocatedFinding } from './group';
export { AlertAccumulator, groupFindings, InvalidTimestampError } from './group';
export {
  clientEventsUrl,
  clientFilterPattern,
  consoleLinks,
  InvalidRegionError,
  insightsQuery,
  insightsUrl,
  logGroupUrl,
  logStreamUrl,
} from './links';
export type { ChatbotCard } from './render/chatbot';
export { CHATBOT_LIMITS, renderChatbotCard } from './render/chatbot';
export type { RenderedEmail } from './render/email';
export { renderEmail, renderEmailBody, renderSubject, SUBJECT_MAX_LENGTH } from './render/email';
export { renderAlertJson } from './render/json';
export type { SlackMessage } from './render/slack';
export { renderSlackMessage, SLACK_LIMITS } from './render/slack';
export type { BuildSnsMessageOptions, SnsAlertMessage, SnsAttributeName } from './render/sns-message';
export {
  AlertTooLargeError,
  ATTRIBUTE_VALUE_MAX,
  buildSnsMessage,
  SNS_MAX_PAYLOAD_BYTES,
  snsPayloadBytes,
} from './render/sns-message';
export {
  breakMentions,
  cleanLine,
  cleanText,
  defangLinks,
  emailSafe,
  escapeSlackEntities,
  slackCode,
  slackCodeBlock,
  slackSafe,
  toWellFormed,
  truncate,
  truncateAtBoundary,
} from './sanitize';
