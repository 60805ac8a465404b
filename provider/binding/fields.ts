/**
 * CertificateBinding's settings: what a site's `defaults` (and each server) may set for its binding. The role,
 * host name and slots are checked together in check.ts (a slot is allowed or not by the role).
 */
import { DEFAULT_SERVICE_ACCOUNT, serviceAccountProblem } from "../xprotect/roles";
import { echo, setting, settingKeysOf, ValuesOf } from "../validate/field";
import { isUnknown } from "../validate/fields";

export const BINDING_FIELDS = {
  /** The account that runs the role's service and must read the key. Default NT AUTHORITY\NETWORK SERVICE. */
  serviceAccount: setting(
    echo<string>({
      default: DEFAULT_SERVICE_ACCOUNT,
      check: (c, v, p) => {
        if (v === undefined || v === null) return DEFAULT_SERVICE_ACCOUNT;
        const problem = isUnknown(v) ? undefined : serviceAccountProblem(v);
        if (problem) c.fail(p, problem);
        return v as string;
      },
    }),
  ),
};

export type BindingFieldValues = ValuesOf<typeof BINDING_FIELDS>;
/** What a site's `defaults` (and each server) may set for its binding. */
export const BINDING_SETTING_KEYS = settingKeysOf(BINDING_FIELDS);
