// The OpenAPI 3.1 document of /api/v1. Each area adds its paths and schemas here.
import { investigationPaths, investigationSchemas } from '../investigations/openapi'
import { linkerPaths, linkerSchemas } from '../linker/openapi'

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', examples: ['unauthorized'] },
        message: { type: 'string' },
        fields: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
})

export function openApiDocument(serverUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Inquest API',
      version: '1.0.0',
      description:
        'Read results out of Inquest and push CI data in. Authenticate with a personal API token: `Authorization: Bearer inq_...`. A `read` token reads; a `read+write` token also writes, never beyond its owner\'s role. Errors are `{"error":{"code","message","fields"?}}`.',
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'inq_...' } },
      schemas: {
        Error: errorSchema,
        ...linkerSchemas,
        ...investigationSchemas,
        CiRun: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            repositoryId: { type: 'string' },
            provider: { type: 'string' },
            externalId: { type: 'string' },
            attempt: { type: 'integer' },
            name: { type: 'string' },
            branch: { type: ['string', 'null'] },
            headSha: { type: 'string' },
            status: { type: 'string', enum: ['queued', 'in_progress', 'completed'] },
            conclusion: { type: ['string', 'null'] },
            startedAt: { type: ['string', 'null'], format: 'date-time' },
            completedAt: { type: ['string', 'null'], format: 'date-time' },
            url: { type: ['string', 'null'] },
            testResultsUrl: { type: 'string', description: 'Where to POST its JUnit reports' },
            applied: { type: 'boolean', description: 'False when a newer stored state was kept' },
          },
        },
        Repository: {
          type: 'object',
          required: ['id', 'name', 'provider', 'defaultBranch', 'createdAt', 'webhookUrl'],
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            provider: { type: 'string', enum: ['github', 'gitlab', 'git'] },
            externalName: { type: ['string', 'null'], description: 'How webhook payloads name it: owner/repo or group/project' },
            defaultBranch: { type: 'string' },
            gitPath: { type: ['string', 'null'] },
            createdAt: { type: 'string', format: 'date-time' },
            webhookUrl: { type: ['string', 'null'], description: 'Where the provider sends deliveries (null for git)' },
            previousSecretValidUntil: { type: ['string', 'null'], format: 'date-time', description: 'Until when the secret before the last rotation still verifies' },
          },
        },
        Me: {
          type: 'object',
          required: ['id', 'email', 'name', 'role', 'authenticatedBy'],
          properties: {
            id: { type: 'string' },
            email: { type: 'string', format: 'email' },
            name: { type: 'string' },
            role: { type: 'string', enum: ['admin', 'engineer', 'viewer'] },
            authenticatedBy: { type: 'string', enum: ['token', 'session'] },
            token: {
              type: 'object',
              properties: { id: { type: 'string' }, scope: { type: 'string', enum: ['read', 'read+write'] } },
            },
            permissions: { type: 'array', items: { type: 'string' } },
          },
        },
      },
      responses: {
        Unauthorized: errorResponse('Missing, unknown, expired or revoked token'),
        Forbidden: errorResponse('The token or its owner may not do this'),
        TooManyRequests: errorResponse('Rate limited; see Retry-After'),
      },
    },
    paths: {
      '/ci-runs': {
        post: {
          operationId: 'recordCiRun',
          summary: 'Create or update a run of any CI system (needs ci:write and a read+write token)',
          description:
            'A run is identified by (repository, provider, externalId, attempt): posting the same identity again updates it. Updates may arrive in any order: a run never moves back from completed, and between two states of the same rank the later `updatedAt` wins (`applied: false` says the stored state was kept).',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['repository', 'provider', 'externalId', 'name', 'headSha', 'status'],
                  properties: {
                    repository: { type: 'string', description: "The repository's id or name" },
                    provider: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,49}$', examples: ['jenkins'], description: 'The CI system; github and gitlab are reserved for their webhooks' },
                    externalId: { type: ['string', 'integer'], description: "The CI system's id of the run (build number)" },
                    attempt: { type: 'integer', minimum: 1, default: 1 },
                    name: { type: 'string', description: 'Job or pipeline name; runs of one name on one branch form a sequence' },
                    branch: { type: ['string', 'null'] },
                    headSha: { type: 'string', pattern: '^[0-9a-fA-F]{40}$' },
                    status: { type: 'string', enum: ['queued', 'in_progress', 'completed'] },
                    conclusion: {
                      type: ['string', 'null'],
                      enum: ['success', 'failure', 'cancelled', 'skipped', 'timed_out', 'neutral', 'action_required', 'stale', null],
                      description: 'Required when status is completed, absent otherwise',
                    },
                    startedAt: { type: ['string', 'null'], format: 'date-time' },
                    completedAt: { type: ['string', 'null'], format: 'date-time' },
                    updatedAt: { type: 'string', format: 'date-time', description: "The CI system's time of this state (default: when the request arrives)" },
                    url: { type: ['string', 'null'], format: 'uri' },
                  },
                },
              },
            },
          },
          responses: {
            '201': { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/CiRun' } } } },
            '200': { description: 'Updated (or kept, if what is stored is newer)', content: { 'application/json': { schema: { $ref: '#/components/schemas/CiRun' } } } },
            '400': errorResponse('The body is not JSON, or not an object'),
            '401': { $ref: '#/components/responses/Unauthorized' },
            '403': { $ref: '#/components/responses/Forbidden' },
            '404': errorResponse('No repository has that id or name'),
            '415': errorResponse('The body is not application/json'),
            '422': errorResponse('The run is not valid: `fields` says which fields and why'),
            '429': { $ref: '#/components/responses/TooManyRequests' },
          },
        },
      },
      '/ci-runs/{id}/test-results': {
        post: {
          operationId: 'uploadTestResults',
          summary: "Upload a JUnit XML report of a run (needs ci:write and a read+write token)",
          description:
            'JUnit XML as Jest (jest-junit), pytest (--junitxml), Maven Surefire (TEST-*.xml), gotestsum (--junitfile) and most other tools write it, up to 50 MB, streamed. By default the report replaces the results the run had (a re-upload of the same report does not double them); `mode=append` adds it to them (one report per test job). Failures and errors go on the timeline. A report that fails to parse changes nothing.',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'integer' }, description: 'The run id that POST /ci-runs returned' },
            { name: 'mode', in: 'query', schema: { type: 'string', enum: ['replace', 'append'], default: 'replace' } },
          ],
          requestBody: {
            required: true,
            content: { 'application/xml': { schema: { type: 'string' } }, 'text/xml': { schema: { type: 'string' } } },
          },
          responses: {
            '201': {
              description: 'Stored',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      runId: { type: 'integer' },
                      mode: { type: 'string', enum: ['replace', 'append'] },
                      tests: { type: 'integer' },
                      passed: { type: 'integer' },
                      failed: { type: 'integer' },
                      errors: { type: 'integer' },
                      skipped: { type: 'integer' },
                      replaced: { type: 'integer', description: 'Results of earlier uploads that this one replaced' },
                    },
                  },
                },
              },
            },
            '400': errorResponse('Malformed XML (the message gives the line and column), or a bad mode'),
            '401': { $ref: '#/components/responses/Unauthorized' },
            '403': { $ref: '#/components/responses/Forbidden' },
            '404': errorResponse('No run has that id'),
            '413': errorResponse('The report is over 50 MB'),
            '415': errorResponse('The body is not application/xml or text/xml'),
            '422': errorResponse('Well-formed XML that is not a JUnit report'),
          },
        },
      },
      '/repositories': {
        get: {
          operationId: 'listRepositories',
          summary: 'Registered repositories (never their webhook secrets)',
          responses: {
            '200': {
              description: 'Every repository, by name',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['repositories'],
                    properties: {
                      repositories: {
                        type: 'array',
                        items: {
                          allOf: [
                            { $ref: '#/components/schemas/Repository' },
                            { type: 'object', properties: { lastDeliveryAt: { type: ['string', 'null'], format: 'date-time' } } },
                          ],
                        },
                      },
                    },
                  },
                },
              },
            },
            '401': { $ref: '#/components/responses/Unauthorized' },
          },
        },
        post: {
          operationId: 'createRepository',
          summary: 'Register a repository (admin; read+write token). For GitHub and GitLab the answer carries the webhook secret, shown only this once.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['name', 'provider'],
                  properties: {
                    name: { type: 'string', maxLength: 100 },
                    provider: { type: 'string', enum: ['github', 'gitlab', 'git'] },
                    defaultBranch: { type: 'string', default: 'main' },
                    externalName: { type: 'string', description: 'github: owner/repo; gitlab: group/project. Required for those providers.' },
                    gitPath: { type: 'string', description: 'git: the repository path on the server, under GIT_IMPORT_ROOT. Required for git.' },
                  },
                },
                examples: { github: { value: { name: 'web', provider: 'github', externalName: 'acme/web', defaultBranch: 'main' } } },
              },
            },
          },
          responses: {
            '201': {
              description: 'Registered. `secret` is the webhook secret (null for git): store it in the provider now, it is not shown again.',
              content: {
                'application/json': {
                  schema: {
                    allOf: [{ $ref: '#/components/schemas/Repository' }, { type: 'object', required: ['secret'], properties: { secret: { type: ['string', 'null'] } } }],
                  },
                },
              },
            },
            '400': errorResponse('Not JSON, or field errors in `fields` (code validation_failed)'),
            '401': { $ref: '#/components/responses/Unauthorized' },
            '403': { $ref: '#/components/responses/Forbidden' },
            '409': errorResponse('A repository with that name, or that external name, is registered already'),
            '415': errorResponse('The body is not application/json'),
          },
        },
      },
      '/repositories/{id}': {
        get: {
          operationId: 'getRepository',
          summary: 'One repository with its webhook connection health',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The repository; `health` has the last delivery, deliveries and failures per day (14 days), and recent failures',
              content: {
                'application/json': {
                  schema: { allOf: [{ $ref: '#/components/schemas/Repository' }, { type: 'object', properties: { health: { type: 'object' } } }] },
                },
              },
            },
            '401': { $ref: '#/components/responses/Unauthorized' },
            '404': errorResponse('No repository has that id'),
          },
        },
      },
      '/audit-events': {
        get: {
          operationId: 'listAuditEvents',
          summary: 'Security-relevant events, newest first (admin)',
          parameters: [
            { name: 'actorEmail', in: 'query', schema: { type: 'string', format: 'email' } },
            { name: 'action', in: 'query', schema: { type: 'string' }, examples: { login: { value: 'login.failure' } } },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'before', in: 'query', description: 'Keyset cursor: `nextBefore` of the previous page', schema: { type: 'integer' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: {
            '200': {
              description: 'A page of events',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      events: { type: 'array', items: { type: 'object' } },
                      nextBefore: { type: ['integer', 'null'] },
                    },
                  },
                },
              },
            },
            '400': { description: 'Bad query', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
            '401': { $ref: '#/components/responses/Unauthorized' },
            '403': { $ref: '#/components/responses/Forbidden' },
          },
        },
      },
      '/tokens/{id}': {
        delete: {
          operationId: 'revokeToken',
          summary: "Revoke one of the caller's own tokens (needs read+write)",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '204': { description: 'Revoked' },
            '401': { $ref: '#/components/responses/Unauthorized' },
            '403': { $ref: '#/components/responses/Forbidden' },
            '404': { description: 'No live token of yours has that id', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          },
        },
      },
      ...linkerPaths,
      ...investigationPaths,
      '/me': {
        get: {
          operationId: 'getMe',
          summary: 'Who the token belongs to and what it may do',
          responses: {
            '200': { description: 'The authenticated user', content: { 'application/json': { schema: { $ref: '#/components/schemas/Me' } } } },
            '401': { $ref: '#/components/responses/Unauthorized' },
            '429': { $ref: '#/components/responses/TooManyRequests' },
          },
        },
      },
    },
  }
}
