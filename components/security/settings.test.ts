import { describe, expect, it } from "vitest";
import {
  accountSetupSettingsSchema,
  complianceProblems,
  complianceSettingsSchema,
  serviceLinkedRolesSource,
} from "./settings";

describe("compliance and account-level settings", () => {
  it("leaves the backup plan's defaults to the component", () => {
    expect(complianceSettingsSchema.parse(undefined)).toEqual({ backup: {} });
  });

  it("keeps a recovery point 90 days in cold storage at least", () => {
    const early = complianceSettingsSchema.parse({
      backup: { coldStorageAfterDays: 60, deleteAfterDays: 120 },
    });
    expect(complianceProblems(early)).toEqual([
      {
        path: ["backup", "deleteAfterDays"],
        input: 120,
        message:
          "expected at least coldStorageAfterDays + 90 (150): cold storage keeps a backup for 90 days at least",
      },
    ]);
    const late = complianceSettingsSchema.parse({ backup: { deleteAfterDays: 120 } });
    expect(complianceProblems(late)).toEqual([]);
  });

  it("makes the service-linked roles in the primary stack unless told otherwise", () => {
    const accountSetup = accountSetupSettingsSchema.parse(undefined);
    expect(accountSetup).toEqual({ configRecorder: "create", backupRegionSettings: "create" });
    expect(serviceLinkedRolesSource({ primary: true, accountSetup })).toBe("create");
    expect(serviceLinkedRolesSource({ primary: false, accountSetup })).toBe("existing");
    expect(
      serviceLinkedRolesSource({ primary: true, accountSetup: { serviceLinkedRoles: "existing" } }),
    ).toBe("existing");
  });
});
