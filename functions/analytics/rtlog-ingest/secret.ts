/**
 * The ClickHouse password, read from Secrets Manager once per container. IAM:
 * `secretsmanager:GetSecretValue` on the secret (and `kms:Decrypt` through Secrets Manager when a
 * customer managed key encrypts it).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretValueError } from "./errors";

/** A secret string read once and kept; a failed read is not kept, so the next call tries again. */
export class CachedSecretString {
  private value: Promise<string> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretArn: string,
  ) {}

  /** The secret's string (read on the first call, or the first after `forget`). */
  get(): Promise<string> {
    if (this.value === undefined) {
      const reading = this.read();
      this.value = reading;
      reading.catch(() => {
        if (this.value === reading) this.value = undefined;
      });
    }
    return this.value;
  }

  /** Drops the kept value, so that a rotated password is read again. */
  forget(): void {
    this.value = undefined;
  }

  private async read(): Promise<string> {
    const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
    const value = output.SecretString;
    if (value === undefined || value === "") throw new SecretValueError(this.secretArn);
    return value;
  }
}
