// The CrossGuard policy pack: `pulumi preview --policy-pack policy` runs this module, which
// wraps every rule of policy/rules (the same functions the offline plan runs).
import { PolicyPack } from "@pulumi/policy";
import { stackPolicy } from "./crossguard";
import { RULES } from "./rules";

new PolicyPack("knowledgecity", { policies: RULES.map(stackPolicy) });
