// The CrossGuard pack: `pulumi preview --policy-pack policy --policy-pack-config <file>` runs this
// module, which wraps every rule of policy/rules (the same functions the offline plan runs).
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicy, PACK_NAME } from "./crossguard";
import { RULES } from "./rules";

new PolicyPack(PACK_NAME, { policies: RULES.map(crossGuardPolicy) });
