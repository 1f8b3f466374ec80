/**
 * Certificates, retired in Azure Batch on 2024-02-29 in favour of Azure Key Vault. Adding one answers what Azure
 * answers since then (400 `CertificateRetired`); an account without certificates lists none and knows no
 * thumbprint, which is what Batchite's account is.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiError } from '../http/api-error.js';
import { readPageRequest } from '../http/paging.js';
import { sendList } from '../http/responses.js';
import { certificatesRetired } from '../services/unsupported-properties.js';

/** The path after `/certificates(`: `thumbprintAlgorithm=…,thumbprint=…)` and an optional `/canceldelete`. */
const CERTIFICATE_KEY = /^thumbprintAlgorithm=[^,)/]+,thumbprint=[^,)/]+\)(\/canceldelete)?$/;

type Wildcard = FastifyRequest<{ Params: { '*': string } }>;

function certificateError(request: Wildcard, cancelDelete: boolean): Error {
  const match = CERTIFICATE_KEY.exec(request.params['*']);
  const isCancel = match?.[1] !== undefined;
  if (match === null || isCancel !== cancelDelete) {
    return apiError('ResourceNotFound', {
      values: [
        { key: 'Reason', value: `No operation matches ${request.method} ${request.url.split('?')[0]}.` },
      ],
    });
  }
  return apiError('CertificateNotFound');
}

export function registerCertificateRoutes(app: FastifyInstance): void {
  app.post('/certificates', () => Promise.reject(certificatesRetired()));

  app.get('/certificates', async (request, reply) => {
    readPageRequest(request);
    return sendList(request, reply, 'certificates', [], undefined);
  });

  app.get<{ Params: { '*': string } }>('/certificates(*', (request) =>
    Promise.reject(certificateError(request, false)),
  );
  app.delete<{ Params: { '*': string } }>('/certificates(*', (request) =>
    Promise.reject(certificateError(request, false)),
  );
  app.post<{ Params: { '*': string } }>('/certificates(*', (request) =>
    Promise.reject(certificateError(request, true)),
  );
}
