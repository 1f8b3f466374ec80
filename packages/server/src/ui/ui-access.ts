/**
 * Who may use the dashboard API (`/ui/api/*`): a caller with the operator credential (http/operator-auth.ts) —
 * the dashboard token of this start, the account key as a bearer token, or a Shared Key signature. There is no
 * loopback exemption: tasks run on this machine and reach loopback too.
 *
 * The page takes the token from its URL fragment (`/ui/#token=…`, never sent to the server or logged), keeps it
 * in sessionStorage for the tab and sends it as `Authorization: Bearer`. Because the credential travels in a
 * header and never in a cookie, another site cannot make the browser use it; state-changing calls also carry
 * `x-batchite-ui`, which a cross-site form cannot send.
 */

/** The header every state-changing dashboard call carries (CSRF guard). */
export const UI_ACTION_HEADER = 'x-batchite-ui';
