/**
 * The status topic in SNS: one message per finished job, the JSON of a `StatusNotification`, with
 * message attributes `status` and `courseId` for subscription filter policies.
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from "@aws-sdk/client-sns";
import { type StatusNotification, type StatusNotifier } from "./core";
import { NotificationError } from "./errors";
import { describeError, log } from "../../shared/log";

/** The `Publish` input for `notification`. */
export function publishInput(
  topicArn: string,
  notification: StatusNotification,
): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Message: JSON.stringify(notification),
    MessageAttributes: {
      status: { DataType: "String", StringValue: notification.status },
      courseId: { DataType: "String", StringValue: notification.courseId },
    },
  };
}

/** Publishes to an SNS topic. */
export class SnsStatusNotifier implements StatusNotifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notification: StatusNotification): Promise<void> {
    try {
      await this.client.send(new PublishCommand(publishInput(this.topicArn, notification)));
    } catch (error) {
      log("error", "notification.failed", {
        videoId: notification.videoId,
        jobId: notification.jobId,
        status: notification.status,
        ...describeError(error),
      });
      throw new NotificationError(notification.videoId);
    }
  }
}
