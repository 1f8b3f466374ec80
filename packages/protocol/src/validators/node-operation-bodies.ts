/**
 * Request bodies of the compute node operations (Azure Batch REST reference: Compute Node - Reboot, Reimage,
 * Disable Scheduling, Add User, Update User). A user name follows the Linux rules (`useradd`'s portable form): a lower-case letter or
 * `_`, then up to 31 lower-case letters, digits, `_` or `-`. Names Batchite gives its own task users are refused.
 */
import { canonicalInstant } from '../datetime.js';
import type {
  ComputeNodeUser,
  NodeDisableSchedulingParameter,
  NodeUpdateUserParameter,
} from '../models/node-operations.js';
import { DISABLE_NODE_SCHEDULING_OPTIONS, NODE_RESTART_OPTIONS } from '../models/node-operations.js';
import type { Fields, Rule, ValidationResult } from './schema.js';
import { bool, invalidProperty, oneOf, req, str, validateBody, withCheck } from './schema.js';

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Prefixes of the task users a node creates itself (auto-users and their group). */
const RESERVED_USER_PREFIXES = ['_azbt_', '_azbp_', '_azbatch'];
/**
 * Accounts a Linux system or its common packages own (Debian/Ubuntu and RHEL base images): a node user must not
 * collide with them. The agent also refuses any existing account it did not create.
 */
const SYSTEM_USER_NAMES: ReadonlySet<string> = new Set([
  'root',
  'daemon',
  'bin',
  'sys',
  'sync',
  'games',
  'man',
  'lp',
  'mail',
  'news',
  'uucp',
  'proxy',
  'www-data',
  'backup',
  'list',
  'irc',
  'gnats',
  'nobody',
  'nogroup',
  'adm',
  'shutdown',
  'halt',
  'operator',
  'ftp',
  'sshd',
  'messagebus',
  'syslog',
  'postfix',
  'postgres',
  'mysql',
  'polkitd',
  'dbus',
  'tss',
  'chrony',
  'ntp',
  'rpc',
  'rpcuser',
  'nfsnobody',
  'tcpdump',
  'uuidd',
  'landscape',
  'pollinate',
  'lxd',
  'sudo',
  'wheel',
  'admin',
  'staff',
  'users',
  'docker',
]);
/** Prefixes of system accounts made by systemd and apt (systemd-network, _apt, …). */
const SYSTEM_USER_PREFIXES = ['systemd-', '_'];
/** An OpenSSH public key line: type, base64 key, optional comment; one line. */
const SSH_PUBLIC_KEY =
  /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]+=*( [^\r\n]*)?$/;

/** Why `name` cannot name a node user, or undefined when it can. */
export function nodeUserNameProblem(name: string): string | undefined {
  if (!USER_NAME.test(name)) {
    return 'A user name starts with a lower-case letter or _, then up to 31 lower-case letters, digits, _ or -.';
  }
  if (RESERVED_USER_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return 'Names starting with _azbt_, _azbp_ or _azbatch belong to the node’s own task users.';
  }
  if (SYSTEM_USER_NAMES.has(name) || SYSTEM_USER_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return 'The name belongs to an operating-system account (or starts with _ or systemd-).';
  }
  return undefined;
}

const userName: Rule = withCheck(str(), (value: string, path: string) => {
  const problem = nodeUserNameProblem(value);
  return problem === undefined ? undefined : invalidProperty(path, value, problem);
});

/** Problems with a password are reported without echoing it. */
const password: Rule = withCheck(str(), (value: string, path: string) => {
  if (value === '' || value.length > 1024) {
    return invalidProperty(path, '(hidden)', 'A password has 1 to 1024 characters.');
  }
  return /[\r\n\0]/.test(value)
    ? invalidProperty(path, '(hidden)', 'A password must not contain line breaks or NUL.')
    : undefined;
});

const sshPublicKey: Rule = withCheck(str({ maxLength: 16_384 }), (value: string, path: string) =>
  value === '' || SSH_PUBLIC_KEY.test(value)
    ? undefined
    : invalidProperty(path, value, 'Expected one OpenSSH public key line (type, key, optional comment).'),
);

const expiryTime: Rule = withCheck(str(), (value: string, path: string) =>
  canonicalInstant(value) === undefined
    ? invalidProperty(path, value, 'The value must be an ISO-8601 date and time.')
    : undefined,
);

export const NODE_REBOOT_FIELDS: Fields = { nodeRebootOption: oneOf(NODE_RESTART_OPTIONS) };

export const NODE_REIMAGE_FIELDS: Fields = { nodeReimageOption: oneOf(NODE_RESTART_OPTIONS) };

export const NODE_DISABLE_SCHEDULING_FIELDS: Fields = {
  nodeDisableSchedulingOption: oneOf(DISABLE_NODE_SCHEDULING_OPTIONS),
};

export const NODE_USER_UPDATE_FIELDS: Fields = { password, expiryTime, sshPublicKey };

export const NODE_USER_ADD_FIELDS: Fields = {
  name: req(userName),
  isAdmin: bool(),
  ...NODE_USER_UPDATE_FIELDS,
};

export function validateNodeDisableScheduling(
  body: unknown,
): ValidationResult<NodeDisableSchedulingParameter> {
  return validateBody(NODE_DISABLE_SCHEDULING_FIELDS, body ?? {});
}

export function validateNodeUserAdd(body: unknown): ValidationResult<ComputeNodeUser> {
  return validateBody(NODE_USER_ADD_FIELDS, body);
}

export function validateNodeUserUpdate(body: unknown): ValidationResult<NodeUpdateUserParameter> {
  return validateBody(NODE_USER_UPDATE_FIELDS, body);
}
