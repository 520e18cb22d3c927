/** The deployable stack: one FtpBounceWatch and the outputs operators and the CLI's `status` command read. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STACK_OUTPUT_KEYS } from './deployment-names';
import { FtpBounceWatch, type FtpBounceWatchProps } from './ftp-bounce-watch';

export interface FtpBounceWatchStackProps extends StackProps {
  /** Everything about what is watched and who is told; see FtpBounceWatchProps. */
  readonly watch: FtpBounceWatchProps;
}

export class FtpBounceWatchStack extends Stack {
  public readonly watch: FtpBounceWatch;

  constructor(scope: Construct, id: string, props: FtpBounceWatchStackProps) {
    super(scope, id, {
      description: 'ftp-bounce-watch: alerts on proftpd PORT/EPRT refusals (OSSEC rule 11209) from CloudWatch Logs',
      ...props,
    });
    this.watch = new FtpBounceWatch(this, 'Watch', props.watch);
    const w = this.watch;

    // Output ids are the keys (CfnOutput uses its id as the output's logical name), so they stay stable.
    const out = (key: string, value: string, description: string): void => {
      new CfnOutput(this, key, { value, description });
    };
    out(STACK_OUTPUT_KEYS.alertTopicArn, w.alertTopic.topicArn, 'SNS topic carrying the alerts (subscribe here)');
    out(STACK_OUTPUT_KEYS.operatorTopicArn, w.operatorTopic.topicArn, 'SNS topic carrying the operational alarms');
    out(STACK_OUTPUT_KEYS.failureQueueUrl, w.failureQueue.queueUrl, 'Alert and alarm emails SNS could not deliver');
    out(STACK_OUTPUT_KEYS.failureQueueArn, w.failureQueue.queueArn, 'ARN of the email dead-letter queue');
    out(
      STACK_OUTPUT_KEYS.failureBucketName,
      w.failureBucket.bucketName,
      'Log batches the detector failed on after retries, whole (one object per failed invocation)',
    );
    out(STACK_OUTPUT_KEYS.detectorFunctionName, w.detector.functionName, 'The detector Lambda function');
    out(STACK_OUTPUT_KEYS.detectorLogGroupName, w.detectorLogGroup.logGroupName, 'The detector log group (its errors)');
    out(STACK_OUTPUT_KEYS.sweepLogGroupName, w.sweepLogGroup.logGroupName, 'The incident sweep log group (its errors)');
    out(STACK_OUTPUT_KEYS.keyArn, w.key.keyArn, 'The KMS key encrypting both topics');
    out(
      STACK_OUTPUT_KEYS.incidentTableName,
      w.incidentTable.tableName,
      'The incident table: alert memory (incidents, acknowledgements, suppressions: ftp-bounce-watch incidents and'
      + ' suppress) and the canary\'s and `ftp-bounce-watch test`\'s round trips',
    );
    if (w.canary) {
      out(STACK_OUTPUT_KEYS.canarySecretArn, w.canary.secret.secretArn, 'The canary\'s HMAC key (`ftp-bounce-watch test` signs with it)');
      if (w.canary.ownLogGroup) {
        out(
          STACK_OUTPUT_KEYS.canaryLogGroupName,
          w.canary.ownLogGroup.logGroupName,
          'The log group the canary writes into (account-wide and central modes; `ftp-bounce-watch test` too)',
        );
      }
    }
    if (w.centralIntake) {
      out(STACK_OUTPUT_KEYS.centralStreamName, w.centralIntake.stream.streamName, 'The organisation\'s stream (central mode): redrive into it');
    }
    if (w.slackForwarder && w.slackForwarderFailureQueue && w.slackForwarderLogGroup) {
      out(STACK_OUTPUT_KEYS.forwarderFunctionName, w.slackForwarder.functionName, 'The Slack webhook forwarder');
      out(
        STACK_OUTPUT_KEYS.forwarderFailureQueueUrl,
        w.slackForwarderFailureQueue.queueUrl,
        'Alerts the Slack forwarder could not post after retries',
      );
      out(
        STACK_OUTPUT_KEYS.forwarderLogGroupName,
        w.slackForwarderLogGroup.logGroupName,
        'The Slack forwarder log group (its errors)',
      );
    }
  }
}
