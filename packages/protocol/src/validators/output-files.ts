/**
 * A task's `outputFiles` as Batch checks them when the task is added (Batch REST API reference, OutputFile):
 * `filePattern`, `destination.container.containerUrl` and `uploadOptions.uploadCondition` are required; the
 * container URL is an absolute http(s) URL; the pattern stays inside the task directory
 * (output-file-pattern.ts).
 */
import { OUTPUT_FILE_UPLOAD_CONDITIONS, type OutputFile } from '../models/index.js';
import { parseOutputFilePattern, patternProblemText } from '../output-file-pattern.js';
import type { Check, Rule } from './schema.js';
import { arr, invalidProperty, obj, oneOf, opaque, req, str, withCheck } from './schema.js';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const outputFileCheck: Check = (file: OutputFile, path) => {
  const parsed = parseOutputFilePattern(file.filePattern);
  if ('problem' in parsed)
    return invalidProperty(`${path}.filePattern`, file.filePattern, patternProblemText(parsed.problem));
  const url = file.destination.container?.containerUrl;
  if (url !== undefined && !isHttpUrl(url)) {
    return invalidProperty(
      `${path}.destination.container.containerUrl`,
      url,
      'The URL must be an absolute http or https URL.',
    );
  }
  return undefined;
};

const uploadHeader = obj({ name: req(str({ nonEmpty: true })), value: str() });

const outputFile: Rule = withCheck(
  obj({
    filePattern: req(str({ nonEmpty: true })),
    destination: req(
      obj({
        container: req(
          obj({
            path: str(),
            containerUrl: req(str({ nonEmpty: true })),
            identityReference: opaque(),
            uploadHeaders: arr(uploadHeader),
          }),
        ),
      }),
    ),
    uploadOptions: req(obj({ uploadCondition: req(oneOf(OUTPUT_FILE_UPLOAD_CONDITIONS)) })),
  }),
  outputFileCheck,
);

/** `outputFiles` of a task or a job manager task. */
export const outputFiles: Rule = arr(outputFile);
