/**
 * Playback: the distribution in front of the processed bucket (`VideoDelivery`), the key pair
 * its signed cookies are made with (the private half kept in Secrets Manager) and
 * `playback-auth`, which issues a course's cookies.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-cookies.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { NodeFunction } from "../shared/node-function";
import type { SecureBucket } from "../shared/secure-bucket";
import { dataTags } from "../shared/tags";
import { VideoDelivery, type VideoDeliveryArgs } from "./video-delivery";
import type { VideoFunctionDefaults } from "./video-pipeline-args";

/** Arguments of `createPlayback`: the distribution's, and what the cookies are issued with. */
export interface PlaybackArgs extends Pick<
  VideoDeliveryArgs,
  | "stack"
  | "keys"
  | "domain"
  | "hostname"
  | "hostedZoneId"
  | "usEast1Provider"
  | "hotTtlSeconds"
  | "staleWhileRevalidateSeconds"
  | "staleIfErrorSeconds"
  | "realtimeLogSamplingRate"
> {
  /** What every function of the pipeline shares. */
  readonly functionDefaults: VideoFunctionDefaults;
  /** The renditions' bucket, the distribution's origin. */
  readonly processedBucket: SecureBucket;
  /** Lifetime of playback cookies, in seconds. */
  readonly playbackSessionSeconds: number;
}

/** What `createPlayback` creates. */
export interface Playback {
  /** The video CDN. */
  readonly delivery: VideoDelivery;
  /** What the app invokes for a course's signed playback cookies. */
  readonly playbackAuth: NodeFunction<"playback-auth">;
}

/** The distribution `${name}-cdn`, the signing key and the function `${name}-playback-auth`. */
export function createPlayback(
  name: string,
  args: PlaybackArgs,
  parent: pulumi.Resource,
): Playback {
  const opts = { parent };
  const { region } = args.functionDefaults.context;
  const contentKey = args.keys.keyArns.content;
  const signingKey = new tls.PrivateKey(
    `${name}-signing`,
    { algorithm: "RSA", rsaBits: 2048 },
    opts,
  );
  const delivery = new VideoDelivery(
    `${name}-cdn`,
    {
      context: args.functionDefaults.context,
      stack: args.stack,
      keys: args.keys,
      domain: args.domain,
      hostname: args.hostname,
      hostedZoneId: args.hostedZoneId,
      usEast1Provider: args.usEast1Provider,
      bucket: args.processedBucket,
      publicKeyPem: signingKey.publicKeyPem,
      hotTtlSeconds: args.hotTtlSeconds,
      staleWhileRevalidateSeconds: args.staleWhileRevalidateSeconds,
      staleIfErrorSeconds: args.staleIfErrorSeconds,
      realtimeLogSamplingRate: args.realtimeLogSamplingRate,
    },
    opts,
  );
  const privateKey = new aws.secretsmanager.Secret(
    `${name}-signing-key`,
    {
      description: "Private key of the video CDN's signed cookies",
      kmsKeyId: contentKey,
      recoveryWindowInDays: 7,
      tags: dataTags("content"),
    },
    opts,
  );
  new aws.secretsmanager.SecretVersion(
    `${name}-signing-key`,
    { secretId: privateKey.id, secretString: pulumi.secret(signingKey.privateKeyPem) },
    opts,
  );
  const playbackAuth = new NodeFunction(
    `${name}-playback-auth`,
    {
      ...args.functionDefaults,
      contract: "playback-auth",
      description: "Issues signed cookies for a course's video path",
      environment: {
        PLAYBACK_DOMAIN: args.hostname,
        // The API (api.<label>.<domain>) sets the cookies, so they go to the parent both share.
        COOKIE_DOMAIN: args.hostname.split(".").slice(1).join("."),
        KEY_PAIR_ID: delivery.publicKeyId,
        PRIVATE_KEY_SECRET_ARN: privateKey.arn,
        DEFAULT_SESSION_SECONDS: String(args.playbackSessionSeconds),
      },
      permissions: [
        {
          sid: "ReadTheSigningKey",
          actions: ["secretsmanager:GetSecretValue"],
          resources: [privateKey.arn],
        },
        {
          sid: "SigningKeyIsEncrypted",
          actions: ["kms:Decrypt"],
          resources: [contentKey],
          condition: {
            StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` },
          },
        },
      ],
    },
    opts,
  );
  return { delivery, playbackAuth };
}
