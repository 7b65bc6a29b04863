// The linker's part of the OpenAPI document (app/api/openapi.ts spreads these in).

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } })
const error = (description: string) => json(description, ref('Error'))
const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] })
const time = { type: ['string', 'null'], format: 'date-time' }
const decision = { type: 'string', enum: ['suggested', 'accepted', 'rejected'] }

export const linkerSchemas = {
  Run: {
    type: 'object',
    description: 'A CI run (one attempt).',
    properties: {
      id: { type: 'integer' },
      sha: { type: 'string' },
      name: { type: 'string', description: 'Workflow, pipeline or job name' },
      branch: { type: ['string', 'null'] },
      provider: { type: 'string' },
      externalId: { type: 'string' },
      attempt: { type: 'integer' },
      conclusion: { type: ['string', 'null'] },
      completedAt: time,
      url: { type: ['string', 'null'] },
    },
  },
  Commit: {
    type: 'object',
    properties: {
      sha: { type: 'string' },
      subject: { type: ['string', 'null'], description: 'Null when the commit has not been imported' },
      author: nullable({ type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' } } }),
      committedAt: time,
      url: { type: ['string', 'null'] },
    },
  },
  Range: {
    type: 'object',
    description: '`git rev-list LAST_GREEN..FIRST_RED`, newest first.',
    properties: {
      size: { type: 'integer' },
      truncated: { type: 'boolean', description: 'More commits than the linker keeps (2,000): the newest are kept' },
      incomplete: { type: 'boolean', description: 'Some history below the range has not been imported: the range may change once it is' },
      base: {
        type: 'string',
        enum: ['sequence', 'default_branch', 'none'],
        description:
          'Where the range starts: the last green of this workflow on this branch; for a branch with no green yet, the newest green of the same workflow on the default branch that the first red commit contains; or nothing (the whole history below the first red, capped)',
      },
      commits: { type: 'array', items: ref('Commit') },
    },
  },
  WorkflowStatus: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      state: { type: 'string', enum: ['green', 'red', 'likely_flaky', 'unknown'] },
      head: nullable({ type: 'object', properties: { sha: { type: 'string' }, run: nullable(ref('Run')) } }),
      lastGreen: nullable({ allOf: [ref('Run'), { type: 'object', properties: { base: { type: 'string', enum: ['sequence', 'default_branch'] } } }] }),
      firstRed: nullable(ref('Run')),
      episode: nullable({
        type: 'object',
        properties: {
          id: { type: 'integer' },
          status: { type: 'string', enum: ['open'] },
          likelyFlaky: { type: 'boolean' },
          openedAt: time,
          redCommits: { type: 'integer' },
          range: ref('Range'),
          suspectsUrl: { type: 'string' },
        },
      }),
      pendingRuns: { type: 'integer', description: 'Completed runs whose commit has not arrived yet (push or import it)' },
    },
  },
  BranchStatus: {
    type: 'object',
    required: ['repository', 'branch', 'state', 'workflows'],
    properties: {
      repository: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, defaultBranch: { type: 'string' } } },
      branch: { type: 'string' },
      state: { type: 'string', enum: ['green', 'red', 'likely_flaky', 'unknown'], description: 'The worst state among its workflows' },
      workflows: { type: 'array', items: ref('WorkflowStatus') },
    },
  },
  Episode: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      repository: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
      branch: { type: 'string' },
      workflow: { type: 'string' },
      status: { type: 'string', enum: ['open', 'closed'] },
      likelyFlaky: { type: 'boolean', description: 'Every red run of the streak failed only known-flaky tests' },
      base: { type: 'string', enum: ['sequence', 'default_branch', 'none'] },
      lastGreen: nullable(ref('Run')),
      firstRed: ref('Run'),
      closing: nullable(ref('Run')),
      openedAt: time,
      closedAt: time,
      redCommits: { type: 'integer' },
      range: { type: 'object', properties: { size: { type: 'integer' }, truncated: { type: 'boolean' }, incomplete: { type: 'boolean' } } },
    },
  },
  Suspect: {
    allOf: [
      ref('Commit'),
      {
        type: 'object',
        properties: {
          rank: { type: ['integer', 'null'], description: '1 = most suspect; null when rejected or out of the range' },
          score: { type: 'number' },
          reasons: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                code: {
                  type: 'string',
                  enum: ['failingTestFile', 'failureMessagePath', 'testedSourceFile', 'workflowFile', 'authorHistory', 'changeSize', 'position'],
                },
                text: { type: 'string' },
                points: { type: 'number' },
              },
            },
          },
          status: decision,
          decidedBy: { type: ['string', 'null'] },
          decidedAt: time,
          inRange: { type: 'boolean', description: 'False for a decided suspect a recompute moved out of the range' },
        },
      },
    ],
  },
  FlakyTest: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      repository: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
      scope: { type: 'string', description: 'JUnit class name, or the suite name' },
      name: { type: 'string' },
      file: { type: ['string', 'null'] },
      rate: { type: 'number', description: 'Flaky commits / commits it ran on, over the window' },
      flakyCommits: { type: 'integer' },
      commits: { type: 'integer' },
      firstFlakyAt: time,
      lastFlakyAt: time,
      lastRunAt: time,
      flakes: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            sha: { type: 'string' },
            at: time,
            runs: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'integer' },
                  name: { type: 'string' },
                  branch: { type: ['string', 'null'] },
                  attempt: { type: 'integer' },
                  url: { type: ['string', 'null'] },
                  externalId: { type: 'string' },
                  status: { type: 'string', enum: ['passed', 'failed', 'error'] },
                  at: time,
                },
              },
            },
          },
        },
      },
    },
  },
  Link: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      repositoryId: { type: 'string' },
      from: { type: 'object', properties: { kind: { type: 'string', enum: ['ci_run', 'push'] }, id: { type: 'string' }, title: { type: ['string', 'null'] } } },
      to: { type: 'object', properties: { kind: { type: 'string', enum: ['commit'] }, sha: { type: 'string' }, subject: { type: ['string', 'null'] } } },
      rule: { type: 'string', enum: ['run-head-sha', 'push-head', 'push-range', 'push-payload'] },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      status: decision,
      decidedBy: { type: ['string', 'null'] },
      decidedAt: time,
      createdAt: time,
    },
  },
}

const common = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '429': { $ref: '#/components/responses/TooManyRequests' },
}

export const linkerPaths = {
  '/repositories/{id}/branches/{branch}/status': {
    get: {
      operationId: 'getBranchStatus',
      summary: 'Where a branch stands, per workflow: state, last green, first red and the suspect range',
      description:
        'Branch names hold `/`: send the branch as one path segment with `/` encoded as `%2F` (`feature/login` -> `feature%2Flogin`). A branch with no completed run yet answers 200 with state `unknown`.',
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Repository id' },
        { name: 'branch', in: 'path', required: true, schema: { type: 'string' }, examples: { nested: { value: 'feature%2Flogin' } } },
        { name: 'rangeLimit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 2000, default: 100 }, description: 'Range commits listed per workflow' },
      ],
      responses: {
        '200': json('The branch', ref('BranchStatus')),
        '400': error('Not a branch name'),
        '404': error('No repository has that id'),
        ...common,
      },
    },
  },
  '/episodes/{id}/suspects': {
    get: {
      operationId: 'listSuspects',
      summary: 'A red episode and its suspects, most suspect first, each with its reasons and any decision',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      responses: {
        '200': json('The episode and its suspects', {
          type: 'object',
          properties: { episode: ref('Episode'), suspects: { type: 'array', items: ref('Suspect') } },
        }),
        '404': error('No episode has that id'),
        ...common,
      },
    },
    post: {
      operationId: 'decideSuspect',
      summary: 'Accept or reject a suspect (needs a read+write token of an engineer). A rejected suspect never comes back for this episode.',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['sha', 'status'],
              properties: { sha: { type: 'string', description: 'Full sha or an unambiguous prefix (7+)' }, status: { type: 'string', enum: ['accepted', 'rejected'] } },
            },
          },
        },
      },
      responses: {
        '200': json('Decided', { type: 'object', properties: { changed: { type: 'boolean' }, suspect: nullable(ref('Suspect')) } }),
        '400': error('Bad body'),
        '404': error('No episode has that id'),
        '415': error('Not JSON'),
        '422': error('That commit is not a suspect of this episode'),
        ...common,
      },
    },
  },
  '/flaky-tests': {
    get: {
      operationId: 'listFlakyTests',
      summary: 'Tests that passed and failed on one commit, by flake rate over 30 days or by when they last flaked, with the runs behind each',
      parameters: [
        { name: 'repositoryId', in: 'query', schema: { type: 'string' } },
        { name: 'sort', in: 'query', schema: { type: 'string', enum: ['rate', 'last-seen'], default: 'rate' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        { name: 'includeStale', in: 'query', schema: { type: 'string', enum: ['true', 'false'], default: 'false' }, description: 'Also tests that did not flake in the window' },
        { name: 'flakes', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 20, default: 5 }, description: 'Recent flaky commits listed per test' },
      ],
      responses: {
        '200': json('Flaky tests', { type: 'object', properties: { windowDays: { type: 'integer' }, tests: { type: 'array', items: ref('FlakyTest') } } }),
        '400': error('Bad query'),
        ...common,
      },
    },
  },
  '/links': {
    get: {
      operationId: 'listLinks',
      summary: 'Links (a CI run to its commit, a push to its commits), newest first, with rule, confidence and decision',
      parameters: [
        { name: 'repositoryId', in: 'query', schema: { type: 'string' } },
        { name: 'runId', in: 'query', schema: { type: 'integer' } },
        { name: 'sha', in: 'query', schema: { type: 'string' } },
        { name: 'status', in: 'query', schema: decision },
        { name: 'before', in: 'query', schema: { type: 'integer' }, description: 'Keyset cursor: `nextBefore` of the previous page' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      ],
      responses: {
        '200': json('A page of links', { type: 'object', properties: { links: { type: 'array', items: ref('Link') }, nextBefore: { type: ['integer', 'null'] } } }),
        '400': error('Bad query'),
        ...common,
      },
    },
  },
  '/links/{id}': {
    post: {
      operationId: 'decideLink',
      summary: 'Accept or reject a link (needs a read+write token of an engineer). A rejected CI run link takes the run out of its branch’s sequence.',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['accepted', 'rejected'] } } } } },
      },
      responses: {
        '200': json('Decided', { type: 'object', properties: { changed: { type: 'boolean' }, link: nullable(ref('Link')) } }),
        '400': error('Bad body'),
        '404': error('No link has that id'),
        '415': error('Not JSON'),
        ...common,
      },
    },
  },
}
