// The investigations' part of the OpenAPI document (app/api/openapi.ts spreads these in), including
// CaseFile: the documented shape of the JSON case file (app/investigations/export.server.ts).
import {
  ACTIVITY_KINDS,
  EVIDENCE_KINDS as EVIDENCE_KIND_VALUES,
  INVESTIGATION_KINDS,
  INVESTIGATION_STATUSES,
  SEVERITIES as SEVERITY_VALUES,
} from '../../db/schema/investigations'
import { CASE_FILE_FORMAT, CASE_FILE_VERSION, SUSPECTS_LISTED } from './export.server'
import { STATUS_TRANSITIONS } from './status'

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } })
const error = (description: string) => json(description, ref('Error'))
const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] })
const time = { type: 'string', format: 'date-time' }
const optionalTime = { type: ['string', 'null'], format: 'date-time' }
const text = { type: 'string' }
const optionalText = { type: ['string', 'null'] }

const STATUSES = [...INVESTIGATION_STATUSES]
const SEVERITIES = [...SEVERITY_VALUES]
const KINDS = [...INVESTIGATION_KINDS]
const EVIDENCE_KINDS = [...EVIDENCE_KIND_VALUES]

const personRef = { type: 'object', required: ['id', 'name'], properties: { id: text, name: text } }
const caseFilePerson = { type: 'object', required: ['id', 'name'], properties: { id: optionalText, name: text }, description: '`id` is null for a user who no longer exists' }
const repositoryRef = { type: 'object', properties: { id: text, name: optionalText } }
const caseFileRun = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: text,
    branch: optionalText,
    sha: text,
    provider: text,
    externalId: text,
    conclusion: optionalText,
    completedAt: optionalTime,
    url: { type: ['string', 'null'], description: "The run on the CI system (http or https only)" },
  },
}

const writable = {
  title: { type: 'string', minLength: 3, maxLength: 200 },
  description: { type: 'string', maxLength: 20000, description: 'Markdown' },
  kind: { type: 'string', enum: KINDS },
  severity: { type: 'string', enum: SEVERITIES },
  ownerId: { type: ['string', 'null'], description: 'An active user; null for nobody. The owner starts watching.' },
  branch: { type: ['string', 'null'], maxLength: 255 },
  workflow: { type: ['string', 'null'], maxLength: 200, description: 'A CI workflow or job name' },
  environment: { type: ['string', 'null'], maxLength: 100 },
  firstSeenAt: optionalTime,
  lastKnownGoodAt: { ...optionalTime, description: 'Must not come after firstSeenAt' },
}

export const investigationSchemas = {
  InvestigationSummary: {
    type: 'object',
    required: ['id', 'title', 'kind', 'status', 'severity', 'createdAt', 'updatedAt', 'url', 'apiUrl'],
    properties: {
      id: { type: 'integer' },
      title: text,
      kind: { type: 'string', enum: KINDS },
      status: { type: 'string', enum: STATUSES },
      severity: { type: 'string', enum: SEVERITIES },
      repository: nullable(repositoryRef),
      branch: optionalText,
      owner: nullable(personRef),
      createdAt: time,
      updatedAt: time,
      url: { type: 'string', format: 'uri', description: 'The investigation page' },
      apiUrl: { type: 'string', description: 'This resource in the API' },
    },
  },
  Investigation: {
    type: 'object',
    required: ['id', 'title', 'description', 'kind', 'status', 'allowedStatuses', 'severity', 'watchers', 'createdAt', 'updatedAt', 'url'],
    properties: {
      id: { type: 'integer' },
      title: text,
      description: { type: 'string', description: 'Markdown' },
      kind: { type: 'string', enum: KINDS },
      status: { type: 'string', enum: STATUSES },
      allowedStatuses: { type: 'array', items: { type: 'string', enum: STATUSES }, description: 'Where the status may move from here' },
      severity: { type: 'string', enum: SEVERITIES },
      repository: nullable(repositoryRef),
      branch: optionalText,
      workflow: optionalText,
      environment: optionalText,
      firstSeenAt: optionalTime,
      lastKnownGoodAt: optionalTime,
      episodeId: { type: ['integer', 'null'], description: 'The red episode it investigates (see /episodes/{id}/suspects)' },
      firstRedRunId: { type: ['integer', 'null'] },
      lastGreenRunId: { type: ['integer', 'null'] },
      owner: nullable(personRef),
      createdBy: nullable(personRef),
      watchers: { type: 'array', items: personRef },
      createdAt: time,
      updatedAt: time,
      url: { type: 'string', format: 'uri', description: 'The investigation page' },
      apiUrl: text,
      exportUrl: { type: 'string', format: 'uri', description: 'Its case file' },
      evidence: {
        type: 'array',
        description: 'Only in GET /investigations/{id}',
        items: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            kind: { type: 'string', enum: EVIDENCE_KINDS },
            ref: text,
            repositoryId: optionalText,
            label: text,
            note: optionalText,
            occurredAt: optionalTime,
            addedBy: nullable(personRef),
            addedAt: time,
          },
        },
      },
    },
  },
  EvidenceInput: {
    type: 'object',
    required: ['kind', 'ref'],
    additionalProperties: false,
    properties: {
      kind: { type: 'string', enum: EVIDENCE_KINDS },
      ref: {
        type: 'string',
        description:
          'What it points at, by kind: commit: a sha; ci_run: a run id; test: `class TAB name`; suspect: `episodeId:sha` (full sha); flaky_test: its id; episode: its id; link and deploy: an http(s) URL',
      },
      label: { type: 'string', maxLength: 300, description: 'Default: the ref' },
      repositoryId: { type: ['string', 'null'], description: "Default: the investigation's repository (none for links and deploys)" },
      occurredAt: optionalTime,
      note: { type: ['string', 'null'], maxLength: 2000 },
    },
  },
  CaseFile: {
    type: 'object',
    description:
      'An investigation as one document. `format` is always `inquest.case-file`; `version` changes only when a field changes meaning or goes away (fields may be added within a version). Timeline, evidence and notes are in time order. `episodes` are the red episodes it looks at (its own first, then those attached as an episode or through a suspect); `suspects` lists, per episode in ranking order, the top ' +
      String(SUSPECTS_LISTED) +
      ' ranked plus every decided or attached one.',
    required: ['format', 'version', 'generatedAt', 'investigation', 'timeline', 'evidence', 'episodes', 'suspects', 'notes'],
    properties: {
      format: { type: 'string', const: CASE_FILE_FORMAT },
      version: { type: 'integer', const: CASE_FILE_VERSION },
      generatedAt: time,
      investigation: {
        type: 'object',
        required: ['id', 'url', 'title', 'description', 'status', 'severity', 'kind', 'scope', 'watchers', 'createdAt', 'updatedAt'],
        properties: {
          id: { type: 'integer' },
          url: { type: 'string', format: 'uri', description: 'Permalink: APP_URL/investigations/{id}' },
          title: text,
          description: { type: 'string', description: 'Markdown source' },
          status: { type: 'string', enum: STATUSES },
          severity: { type: 'string', enum: SEVERITIES },
          kind: { type: 'string', enum: KINDS },
          scope: {
            type: 'object',
            properties: { repository: nullable(repositoryRef), branch: optionalText, workflow: optionalText, environment: optionalText },
          },
          owner: nullable(caseFilePerson),
          createdBy: nullable(caseFilePerson),
          watchers: { type: 'array', items: caseFilePerson },
          firstSeenAt: optionalTime,
          lastKnownGoodAt: optionalTime,
          createdAt: time,
          updatedAt: time,
          episode: nullable({ type: 'object', properties: { id: { type: 'integer' }, url: { type: 'string', format: 'uri', description: 'APP_URL/episodes/{id}' } } }),
          firstRedRun: nullable(caseFileRun),
          lastGreenRun: nullable(caseFileRun),
        },
      },
      timeline: {
        type: 'array',
        description: 'Every recorded change, oldest first',
        items: {
          type: 'object',
          required: ['id', 'at', 'kind', 'actor', 'text', 'data'],
          properties: {
            id: { type: 'integer' },
            at: time,
            kind: { type: 'string', enum: [...ACTIVITY_KINDS] },
            actor: { ...nullable(caseFilePerson), description: 'Null for Inquest itself (the linker) or a user who no longer exists' },
            text: { type: 'string', description: 'The change as a sentence, e.g. "Eli Engineer moved the status from Open to Investigating."' },
            data: { type: 'object', description: 'What changed, by kind: {from, to}, {noteId, excerpt, mentions}, {kind, ref, label}, {episodeId, sha, label}...' },
          },
        },
      },
      evidence: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'kind', 'ref', 'label', 'addedAt', 'url'],
          properties: {
            id: { type: 'integer' },
            kind: { type: 'string', enum: EVIDENCE_KINDS },
            ref: text,
            label: text,
            note: optionalText,
            occurredAt: optionalTime,
            addedBy: nullable(caseFilePerson),
            addedAt: time,
            url: { type: ['string', 'null'], description: 'Where the thing lives: the CI run, the commit, the episode page, the link' },
            run: nullable(caseFileRun),
            commit: nullable({ type: 'object', properties: { sha: text, subject: text, author: text, committedAt: optionalTime } }),
          },
        },
      },
      episodes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'url', 'repository', 'branch', 'workflow', 'status', 'rangeSize', 'rankedSuspects', 'rankedListed'],
          properties: {
            id: { type: 'integer' },
            url: { type: 'string', format: 'uri', description: 'APP_URL/episodes/{id}' },
            repository: { type: 'object', properties: { id: text, name: text } },
            branch: text,
            workflow: text,
            status: { type: 'string', enum: ['open', 'closed'] },
            openedAt: time,
            closedAt: optionalTime,
            firstRedSha: text,
            lastGreenSha: optionalText,
            rangeSize: { type: 'integer', description: 'Commits in the suspect range' },
            rankedSuspects: { type: 'integer', description: 'Suspects in the ranking (in the range, not rejected)' },
            rankedListed: { type: 'integer', description: 'How many of those `suspects` lists; the episode page has them all' },
          },
        },
      },
      suspects: {
        type: 'array',
        items: {
          type: 'object',
          required: ['episodeId', 'episodeUrl', 'sha', 'rank', 'score', 'reasons', 'status', 'decidedBy', 'decidedAt', 'inRange', 'attached'],
          properties: {
            episodeId: { type: 'integer' },
            episodeUrl: { type: 'string', format: 'uri' },
            sha: text,
            subject: optionalText,
            author: nullable({ type: 'object', properties: { name: text, email: optionalText } }),
            committedAt: optionalTime,
            url: { type: ['string', 'null'], description: 'The commit on its forge' },
            rank: { type: ['integer', 'null'], description: '1 = most suspect of its episode; null when rejected or out of the range' },
            score: { type: 'number' },
            reasons: {
              type: 'array',
              items: { type: 'object', properties: { code: text, text, points: { type: 'number' } } },
            },
            status: { type: 'string', enum: ['suggested', 'accepted', 'rejected'] },
            decidedBy: { ...nullable(caseFilePerson), description: 'Who accepted or rejected it' },
            decidedAt: optionalTime,
            inRange: { type: 'boolean' },
            attached: { type: 'boolean', description: 'Attached to the investigation as evidence' },
          },
        },
      },
      notes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'url', 'author', 'body', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'integer' },
            url: { type: 'string', format: 'uri', description: 'Permalink: APP_URL/investigations/{id}#note-{noteId}' },
            author: nullable(caseFilePerson),
            body: { type: 'string', description: 'Markdown source' },
            createdAt: time,
            updatedAt: time,
          },
        },
      },
    },
  },
}

const common = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '429': { $ref: '#/components/responses/TooManyRequests' },
}
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }
const commaList = (values: string[]) => ({
  style: 'form',
  explode: true,
  schema: { type: 'array', items: { type: 'string', enum: values } },
  description: 'Repeat the parameter or separate values with commas; any of them matches',
})

export const investigationPaths = {
  '/investigations': {
    get: {
      operationId: 'listInvestigations',
      summary: 'Investigations, most recently updated first, with filters and full-text search (titles, descriptions, notes)',
      parameters: [
        { name: 'status', in: 'query', ...commaList(STATUSES) },
        { name: 'severity', in: 'query', ...commaList(SEVERITIES) },
        { name: 'repository', in: 'query', schema: { type: 'string' }, description: 'A repository id or name' },
        { name: 'owner', in: 'query', schema: { type: 'string' }, description: 'A user id, an email, or `me`' },
        { name: 'q', in: 'query', schema: { type: 'string', maxLength: 500 }, description: 'Words that must all appear (prefix match)' },
        { name: 'cursor', in: 'query', schema: { type: 'string' }, description: '`nextCursor` of the previous page' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } },
      ],
      responses: {
        '200': json('A page of investigations', {
          type: 'object',
          required: ['investigations', 'nextCursor'],
          properties: { investigations: { type: 'array', items: ref('InvestigationSummary') }, nextCursor: { type: ['string', 'null'] } },
        }),
        '400': error('Bad query (unknown parameter, status or severity; limit out of range)'),
        ...common,
      },
    },
    post: {
      operationId: 'createInvestigation',
      summary: 'Open an investigation (an engineer with a read+write token). It starts open; the creator and the owner watch it.',
      description:
        'Give `episodeId` to investigate a red episode: the repository, branch, workflow, first seen and last known good default to the episode\'s, and its first red and last green runs are linked.',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['title', 'kind', 'severity'],
              additionalProperties: false,
              properties: {
                ...writable,
                repositoryId: { type: ['string', 'null'] },
                episodeId: { type: ['integer', 'null'] },
                watcherIds: { type: 'array', maxItems: 100, items: { type: 'string' } },
                evidence: { type: 'array', maxItems: 200, items: ref('EvidenceInput') },
              },
            },
            examples: {
              incident: {
                value: {
                  title: 'Checkout times out for EU customers',
                  kind: 'incident',
                  severity: 'sev2',
                  environment: 'production',
                  evidence: [{ kind: 'link', ref: 'https://status.example.com/incidents/42', label: 'Status page' }],
                },
              },
            },
          },
        },
      },
      responses: {
        '201': {
          description: 'Opened; `Location` is its API address',
          headers: { Location: { schema: { type: 'string' } } },
          content: { 'application/json': { schema: ref('Investigation') } },
        },
        '400': error('Not JSON, or field errors in `fields` (code validation_failed; nested fields as `evidence.0.ref`; unknown fields named)'),
        '413': error('The body is over 1 MB'),
        '415': error('The body is not application/json'),
        ...common,
      },
    },
  },
  '/investigations/{id}': {
    get: {
      operationId: 'getInvestigation',
      summary: 'One investigation with its watchers and evidence',
      parameters: [idParameter],
      responses: {
        '200': json('The investigation', ref('Investigation')),
        '404': error('No investigation has that id (or it was deleted)'),
        ...common,
      },
    },
    patch: {
      operationId: 'updateInvestigation',
      summary: 'Change some fields (an engineer with a read+write token). Only the fields sent change; each change is on the timeline and notifies the watchers.',
      description:
        `Status moves: ${Object.entries(STATUS_TRANSITIONS)
          .map(([from, to]) => `${from} → ${to.join(', ')}`)
          .join('; ')}. \`allowedStatuses\` in the investigation lists the moves from where it is.`,
      parameters: [idParameter],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { type: 'object', minProperties: 1, additionalProperties: false, properties: { ...writable, status: { type: 'string', enum: STATUSES } } },
            examples: { move: { value: { status: 'investigating', ownerId: 'usr_...' } } },
          },
        },
      },
      responses: {
        '200': json('Applied (`changed` is false when every field already had that value)', {
          type: 'object',
          required: ['changed', 'investigation'],
          properties: { changed: { type: 'boolean' }, investigation: ref('Investigation') },
        }),
        '400': error('Not JSON, no field, an unknown field, or field errors in `fields` (an owner who is not an active user)'),
        '404': error('No investigation has that id (or it was deleted)'),
        '409': error('The status cannot move there from where it is; the message names the allowed moves'),
        '413': error('The body is over 1 MB'),
        '415': error('The body is not application/json'),
        ...common,
      },
    },
  },
  '/investigations/{id}/export': {
    get: {
      operationId: 'exportInvestigation',
      summary: 'The case file: summary, timeline, evidence, suspects with reasons and decisions, notes, with permalinks',
      description: 'Served as a download (`Content-Disposition: attachment; filename="investigation-{id}.json"` or `.md`). The same file is at APP_URL/investigations/{id}/export?format=md|json for people logged in.',
      parameters: [idParameter, { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'md'], default: 'json' } }],
      responses: {
        '200': {
          description: 'The case file',
          headers: { 'Content-Disposition': { schema: { type: 'string' } } },
          content: { 'application/json': { schema: ref('CaseFile') }, 'text/markdown': { schema: { type: 'string' } } },
        },
        '400': error('Unknown format'),
        '404': error('No investigation has that id (or it was deleted)'),
        ...common,
      },
    },
  },
}
