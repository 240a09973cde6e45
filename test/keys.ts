/** Fixed secrets for the test runtime only (never used outside tests). */
export const TEST_OPERATOR_KEY = `inp_opr_${'t'.repeat(43)}`;
export const TEST_SECRETS_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
