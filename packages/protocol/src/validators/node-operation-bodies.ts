/** Request bodies of Compute Node - Reboot and Compute Node - Reimage (both optional). */
import { NODE_RESTART_OPTIONS } from '../models/node-operations.js';
import type { Fields } from './schema.js';
import { oneOf } from './schema.js';

export const NODE_REBOOT_FIELDS: Fields = { nodeRebootOption: oneOf(NODE_RESTART_OPTIONS) };

export const NODE_REIMAGE_FIELDS: Fields = { nodeReimageOption: oneOf(NODE_RESTART_OPTIONS) };
