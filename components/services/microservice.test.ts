import { describe, expect, it } from "vitest";
import { json, list, record, Recorded, type RecordedResource } from "../../tools/plan/engine";
import {
  COURSES,
  ENROLMENTS,
  CERTIFICATES,
  run,
  T,
  metadataOf,
  byMetadataName,
  typeCounts,
} from "./microservices.fixtures";

describe("Microservices", async () => {
  const recorded = Recorded.of(await run());
  const contentKey = recorded.named("aws:kms/key:Key", "keys-content");
  const keyArn = (key: RecordedResource) =>
    `arn:aws:kms:me-south-1:111122223333:key/${key.id ?? ""}`;

  describe("each service", () => {
    it("gets a restricted namespace selected for injection and its service account", () => {
      for (const service of ["courses", "enrolments", "certificates"]) {
        const namespace = byMetadataName(recorded.ofType(T.namespace), service);
        expect(metadataOf(namespace).labels).toEqual({
          "pod-security.kubernetes.io/enforce": "restricted",
          "connect-inject": "enabled",
          "knowledgecity.io/api-gateway-routes": "allowed",
        });
        const account = byMetadataName(recorded.ofType(T.serviceAccount), service);
        expect(metadataOf(account).namespace).toBe(service);
      }
    });

    it("gets a Pod Identity role only when it declares permissions", () => {
      const associations = recorded
        .ofType(T.association)
        .filter((association) => association.name.startsWith("services-"));
      expect(
        associations.map(
          (association) =>
            `${String(association.inputs.namespace)}/${String(association.inputs.serviceAccount)}`,
        ),
      ).toEqual(["courses/courses"]);
      const policy = json(
        recorded.named("aws:iam/rolePolicy:RolePolicy", "services-courses-identity").inputs.policy,
      );
      expect(policy.Statement).toEqual([
        {
          Effect: "Allow",
          Sid: "ReadCatalog",
          Action: ["s3:GetObject"],
          Resource: "arn:aws:s3:::kc-course-catalog/*",
        },
      ]);
    });

    it("gets an immutable, scanned, KMS-encrypted image repository with a lifecycle", () => {
      const repositories = recorded.ofType(T.repository);
      expect(repositories.map((repository) => repository.inputs.name).sort()).toEqual([
        "knowledgecity/certificates",
        "knowledgecity/courses",
        "knowledgecity/enrolments",
      ]);
      for (const repository of repositories) {
        expect(repository.inputs).toMatchObject({
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn(contentKey) }],
          tags: { DataClass: "content" },
        });
      }
      const policies = recorded.ofType(T.lifecycle);
      expect(policies).toHaveLength(3);
      const rules = list(json(policies[0]?.inputs.policy).rules).map(record);
      expect(rules.map((rule) => rule.selection)).toEqual([
        { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
        {
          tagStatus: "tagged",
          tagPatternList: ["*"],
          countType: "imageCountMoreThan",
          countNumber: 50,
        },
      ]);
    });

    it("is built the same whether it comes from config or from addService", async () => {
      const fromConfig = Recorded.of(
        await run({ services: [COURSES, ENROLMENTS, CERTIFICATES], added: [] }),
      );
      expect(typeCounts(fromConfig)).toEqual(typeCounts(recorded));
      const names = (result: Recorded) =>
        result.resources
          .filter((resource) => resource.name.startsWith("services"))
          .map((resource) => `${resource.type} ${resource.name}`)
          .sort();
      expect(names(fromConfig)).toEqual(names(recorded));
    });
  });
});
