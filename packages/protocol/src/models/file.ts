/** Task file wire models (GET /jobs/{jobId}/tasks/{taskId}/files). */
import type { DateTimeString } from './common.js';

export interface FileProperties {
  creationTime?: DateTimeString;
  lastModified: DateTimeString;
  contentLength: number;
  contentType?: string;
  /** Octal Unix mode, e.g. `0644` (Linux nodes only). */
  fileMode?: string;
}

export interface NodeFile {
  /** Path relative to the task directory, `/`-separated (`stdout.txt`, `wd/out.txt`). */
  name?: string;
  url?: string;
  isDirectory?: boolean;
  properties?: FileProperties;
}
