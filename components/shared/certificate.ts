import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of `validatedCertificate`. */
export interface ValidatedCertificateArgs {
  /** The certificate's names: the first is its subject, the others its alternative names. */
  readonly hostnames: readonly string[];
  /** Route 53 zone holding the validation records. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** @default "EC_prime256v1" */
  readonly keyAlgorithm?: string;
  /**
   * Where the certificate lives, when not the parent's provider (CloudFront needs us-east-1).
   * https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html
   * @default the parent's provider
   */
  readonly provider?: aws.Provider;
}

/**
 * An ACM certificate validated through DNS: one validation record per hostname, named after the
 * hostname (never an index, so reordering names replaces nothing). Returns the ARN once validated,
 * so whatever uses it waits for validation.
 */
export function validatedCertificate(
  name: string,
  args: ValidatedCertificateArgs,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const [subject, ...alternatives] = args.hostnames;
  if (subject === undefined) {
    throw new pulumi.ResourceError(`${name}: a certificate needs at least one hostname`, parent);
  }
  const placement = args.provider === undefined ? { parent } : { parent, provider: args.provider };
  const certificate = new aws.acm.Certificate(
    name,
    {
      domainName: subject,
      subjectAlternativeNames: alternatives,
      validationMethod: "DNS",
      keyAlgorithm: args.keyAlgorithm ?? "EC_prime256v1",
      tags: { Name: subject },
    },
    placement,
  );
  const records = args.hostnames.map((hostname) => {
    const record = certificate.domainValidationOptions.apply((options) =>
      validationRecordFor(options, hostname),
    );
    return new aws.route53.Record(
      `${name}-validation-${hostname}`,
      {
        zoneId: args.hostedZoneId,
        name: record.name,
        type: record.type,
        records: [record.value],
        ttl: 300,
        allowOverwrite: true,
      },
      { parent },
    );
  });
  return new aws.acm.CertificateValidation(
    name,
    {
      certificateArn: certificate.arn,
      validationRecordFqdns: records.map((record) => record.fqdn),
    },
    placement,
  ).certificateArn;
}

/** The DNS record that proves control of a domain to ACM. */
export interface DnsValidationRecord {
  /** The record's name. */
  readonly name: string;
  /** The record's type (CNAME). */
  readonly type: string;
  /** The record's value. */
  readonly value: string;
}

/**
 * The validation record ACM asks for `domain`. Looked up by domain name, not position: ACM does
 * not promise an order, and a record keyed by position would move when the names change.
 */
export function validationRecordFor(
  options: readonly aws.types.output.acm.CertificateDomainValidationOption[] | undefined,
  domain: string,
): DnsValidationRecord {
  const option = (options ?? []).find((candidate) => candidate.domainName === domain);
  if (option === undefined) {
    throw new Error(`the certificate has no DNS validation record for ${domain}`);
  }
  return {
    name: option.resourceRecordName,
    type: option.resourceRecordType,
    value: option.resourceRecordValue,
  };
}
