/**
 * The monolith's instances: an Auto Scaling group of Amazon Linux 2023 instances in the private
 * subnets (IMDSv2 only, encrypted gp3 volumes, SSM instead of SSH, rolling instance refresh)
 * scaling on CPU and on memory, with the role, the SSM parameters and the boot script they run.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DataKeys } from "../security/data-keys";
import { volumeLauncherKeyUsers } from "../security/key-policies";
import type { AwsContext } from "../shared/context";
import { dataTags } from "../shared/tags";
import { APP_PORT, bootScript, cloudWatchAgentConfig, MEMORY_METRIC } from "./monolith-host";
import type { MonolithUserStore } from "./monolith-runtime";
import type { ResolvedMonolithArgs } from "./monolith-args";

/** Arguments of `createInstances`. */
export interface InstancesArgs {
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** The stack's name, in the release parameter's path. */
  readonly stack: string;
  /** The VPC the instances' security group is in. */
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's range, where an Aurora user store listens. */
  readonly vpcCidr: string;
  /** Where the instances run. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** The stack's keys: the user-data key encrypts the volumes. */
  readonly keys: DataKeys;
  /** Auto Scaling's service-linked role, which launches the encrypted volumes. */
  readonly autoScalingRoleArn: pulumi.Input<string>;
  /** Amazon Linux 2023 image (arm64). */
  readonly imageId: string;
  /** The group's sizes, scaling targets, instance type and health check. */
  readonly settings: Pick<
    ResolvedMonolithArgs,
    | "instanceType"
    | "minSize"
    | "maxSize"
    | "desiredCapacity"
    | "cpuTargetPercent"
    | "memoryTargetPercent"
    | "healthCheckPath"
  >;
  /** The user store, whose database port (Aurora) the instances reach. */
  readonly userStore: MonolithUserStore;
  /** The load balancer's security group, the only source the app port admits. */
  readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
  /** The target group the instances register with. */
  readonly targetGroupArn: pulumi.Input<string>;
  /** The bucket release archives are read from. */
  readonly releasesBucketName: pulumi.Input<string>;
  /** What the app may do, besides reading the release parameter. */
  readonly appPermissions: readonly aws.iam.PolicyStatement[];
  /** The app's environment variables, written by the boot script. */
  readonly environment: Readonly<Record<string, pulumi.Input<string>>>;
}

/** What `createInstances` creates. */
export interface Instances {
  /** The instances' security group, for the user store to admit. */
  readonly securityGroup: aws.ec2.SecurityGroup;
  /** The instances' role. */
  readonly role: aws.iam.Role;
  /** The Auto Scaling group. */
  readonly group: aws.autoscaling.Group;
  /** The SSM parameter CI sets to the release the instances run. */
  readonly releaseParameter: aws.ssm.Parameter;
}

/** The group `${name}-app`, its launch template, role `${name}-instance` and scaling policies. */
export function createInstances(
  name: string,
  args: InstancesArgs,
  parent: pulumi.Resource,
): Instances {
  const { partition, region } = args.context;
  const { settings } = args;
  const opts = { parent };
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-app`,
    {
      vpcId: args.vpcId,
      description: "Monolith instances: the app port from the load balancer only",
      ingress: [
        {
          description: "From the load balancer",
          protocol: "tcp",
          fromPort: APP_PORT,
          toPort: APP_PORT,
          securityGroups: [args.loadBalancerSecurityGroupId],
        },
      ],
      egress: [
        {
          description: "HTTPS: AWS APIs, packages",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
        },
        ...(args.userStore.kind === "aurora"
          ? [
              {
                description: "The user store's database",
                protocol: "tcp",
                fromPort: args.userStore.port,
                toPort: args.userStore.port,
                cidrBlocks: [args.vpcCidr],
              },
            ]
          : []),
      ],
      tags: { Name: `${name}-app` },
    },
    opts,
  );

  const agentConfig = new aws.ssm.Parameter(
    `${name}-agent-config`,
    { name: `AmazonCloudWatch-${name}-${region}`, type: "String", value: cloudWatchAgentConfig() },
    opts,
  );
  const releaseParameter = new aws.ssm.Parameter(
    `${name}-release`,
    {
      name: `/knowledgecity/${args.stack}/${name}/release`,
      type: "String",
      value: "none",
      description:
        "Release archive the monolith instances run (<name>.tar.gz in the releases bucket)",
    },
    // Deployments change the value; Pulumi only creates it.
    { parent, ignoreChanges: ["value"] },
  );

  const role = new aws.iam.Role(
    `${name}-instance`,
    {
      description: "Monolith instances",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      } satisfies aws.iam.PolicyDocument),
      managedPolicyArns: [
        // Session Manager instead of SSH, and the CloudWatch agent.
        `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
        `arn:${partition}:iam::aws:policy/CloudWatchAgentServerPolicy`,
      ],
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-instance`,
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          ...args.appPermissions,
          {
            Sid: "ReadTheRelease",
            Effect: "Allow",
            Action: ["ssm:GetParameter"],
            Resource: [releaseParameter.arn],
          },
        ],
      }),
    },
    opts,
  );
  const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name }, opts);
  // Auto Scaling launches instances with encrypted volumes through its service-linked role,
  // which the key policy names: it must exist first (see AccountServiceRoles).
  for (const user of volumeLauncherKeyUsers("AutoScaling", args.autoScalingRoleArn)) {
    args.keys.allow("user-data", user);
  }

  const template = new aws.ec2.LaunchTemplate(
    `${name}-app`,
    {
      imageId: args.imageId,
      instanceType: settings.instanceType,
      iamInstanceProfile: { arn: profile.arn },
      vpcSecurityGroupIds: [securityGroup.id],
      // IMDSv2 only (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html).
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "enabled",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: 30,
            volumeType: "gp3",
            encrypted: "true",
            // Instances launch only once the key policy lets Auto Scaling use the key.
            kmsKeyId: args.keys.policyReadyKeyArns["user-data"],
            deleteOnTermination: "true",
          },
        },
      ],
      monitoring: { enabled: true },
      ebsOptimized: "true",
      updateDefaultVersion: true,
      userData: pulumi
        .all([
          agentConfig.name,
          releaseParameter.name,
          args.releasesBucketName,
          pulumi.output(args.environment),
        ])
        .apply(([agentConfigParameter, releaseName, releaseBucket, appEnvironment]) =>
          Buffer.from(
            // A changed backend or table name changes the script, so instances are refreshed.
            bootScript({
              agentConfigParameter,
              releaseParameter: releaseName,
              releaseBucket,
              appPort: APP_PORT,
              healthCheckPath: settings.healthCheckPath,
              environment: appEnvironment,
            }),
          ).toString("base64"),
        ),
      tagSpecifications: [
        { resourceType: "instance", tags: { Name: `${name}-app` } },
        { resourceType: "volume", tags: { Name: `${name}-app`, ...dataTags("user-data") } },
      ],
    },
    opts,
  );
  const group = new aws.autoscaling.Group(
    `${name}-app`,
    {
      vpcZoneIdentifiers: args.privateSubnetIds,
      minSize: settings.minSize,
      maxSize: settings.maxSize,
      desiredCapacity: settings.desiredCapacity,
      launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
      targetGroupArns: [args.targetGroupArn],
      healthCheckType: "ELB",
      healthCheckGracePeriod: 300,
      defaultInstanceWarmup: 300,
      // A new launch template version replaces instances gradually, never all at once.
      instanceRefresh: {
        strategy: "Rolling",
        preferences: {
          minHealthyPercentage: 90,
          instanceWarmup: "300",
          skipMatching: true,
          autoRollback: true,
        },
      },
      enabledMetrics: [
        "GroupInServiceInstances",
        "GroupDesiredCapacity",
        "GroupPendingInstances",
        "GroupTerminatingInstances",
      ],
      terminationPolicies: ["OldestLaunchTemplate", "Default"],
      tags: [{ key: "Name", value: `${name}-app`, propagateAtLaunch: true }],
    },
    { parent, ignoreChanges: ["desiredCapacity"] },
  );
  new aws.autoscaling.Policy(
    `${name}-cpu`,
    {
      autoscalingGroupName: group.name,
      policyType: "TargetTrackingScaling",
      targetTrackingConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
        targetValue: settings.cpuTargetPercent,
      },
    },
    opts,
  );
  new aws.autoscaling.Policy(
    `${name}-memory`,
    {
      autoscalingGroupName: group.name,
      policyType: "TargetTrackingScaling",
      targetTrackingConfiguration: {
        customizedMetricSpecification: {
          namespace: MEMORY_METRIC.namespace,
          metricName: MEMORY_METRIC.name,
          statistic: "Average",
          metricDimensions: [{ name: "AutoScalingGroupName", value: group.name }],
        },
        targetValue: settings.memoryTargetPercent,
      },
    },
    opts,
  );
  return { securityGroup, role, group, releaseParameter };
}
