/** What the alert-memory bench loads from one esbuild bundle, built with the deployment's own options. */
export { DynamoDbIncidentStore } from '../lambda/adapters/dynamodb-incident-store';
export { buildSnsMessage } from '../lambda/alerts';
export { INCIDENT_DEFAULTS, IncidentMemory, MemoryIncidentStore } from '../lambda/incidents';
export { processSubscriptionEvent } from '../lambda/pipeline';
