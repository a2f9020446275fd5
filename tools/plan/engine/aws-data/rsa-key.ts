/** The mock RSA key pair the TLS provider's private keys answer with. */
import { checkPrimeSync, createPrivateKey, createPublicKey } from "node:crypto";
import { stableHex } from "./stable-ids";

let rsaKeyPair: { publicKeyPem: string; privateKeyPem: string } | undefined;

/**
 * A real RSA-2048 key pair, as the TLS provider would generate, but the same in every run (like
 * every other mocked value), so two plans of the same program compare equal: its primes are the
 * first primes at or above numbers derived from a fixed seed.
 */
export function mockRsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  rsaKeyPair ??= (() => {
    const e = 65537n;
    const prime = (seed: string): bigint => {
      const hex = Array.from({ length: 4 }, (_, i) => stableHex(64, "mock-rsa", seed, String(i)));
      // 1,024 bits with the top two set (so p*q has 2,048), odd.
      let candidate = BigInt(`0x${hex.join("")}`) | (3n << 1022n) | 1n;
      while (!checkPrimeSync(candidate) || (candidate - 1n) % e === 0n) {
        candidate += 2n;
      }
      return candidate;
    };
    const p = prime("p");
    const q = prime("q");
    const d = modularInverse(e, (p - 1n) * (q - 1n));
    const privateKey = createPrivateKey({
      format: "jwk",
      key: {
        kty: "RSA",
        n: base64Url(p * q),
        e: base64Url(e),
        d: base64Url(d),
        p: base64Url(p),
        q: base64Url(q),
        dp: base64Url(d % (p - 1n)),
        dq: base64Url(d % (q - 1n)),
        qi: base64Url(modularInverse(q, p)),
      },
    });
    return {
      publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
      privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    };
  })();
  return rsaKeyPair;
}

/** x with x * value = 1 (mod modulus), by the extended Euclidean algorithm. */
function modularInverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [value % modulus, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return ((oldS % modulus) + modulus) % modulus;
}

/** A non-negative integer as unpadded base64url of its big-endian bytes (a JWK number). */
function base64Url(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex").toString("base64url");
}
