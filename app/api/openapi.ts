// The OpenAPI 3.1 document of /api/v1. Each area adds its paths and schemas here.

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
