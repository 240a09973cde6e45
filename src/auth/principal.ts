export const PRINCIPAL_KINDS = ['operator', 'customer', 'provider', 'agent'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

export const SERVICE_LEVELS = ['basic', 'standard', 'premium', 'enterprise'] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

/** The authenticated caller, as every handler sees it. */
export interface Principal {
  id: string;
  kind: PrincipalKind;
  name: string;
  organisation: string;
  serviceLevel: ServiceLevel;
  /** Agents only. */
  serverId: string | null;
  /** The key this request was made with. */
  keyId: string;
}

/** The principal behind the bootstrap operator key (created by schema migration 0001). */
export const ROOT_OPERATOR_ID = 'opr_root';
export const ROOT_OPERATOR_KEY_ID = 'key_bootstrap';
