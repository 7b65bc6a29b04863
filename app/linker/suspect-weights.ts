// How much each reason adds to a suspect's score: every weight of the ranking is here, and
// suspect-scoring.test.ts checks the order they produce. A reason's points are its weight times a
// signal between 0 and 1.
export const SUSPECT_WEIGHTS = {
  /** Changes a file a failing test lives in (JUnit `file`, or the path its class name spells). */
  failingTestFile: 5,
  /** Changes a file named in a failure message (a stack trace, an assertion's location). */
  failureMessagePath: 4,
  /** Changes the file a failing test appears to cover (`parse.test.ts` -> `parse.ts`). */
  testedSourceFile: 3,
  /** Changes the failing workflow's own file (full signal), or other CI configuration (half). */
  workflowFile: 3,
  /** Same author changed the same files inside an earlier red episode's range (full signal when that commit was accepted as the cause there, half otherwise). */
  authorHistory: 2,
  /** Size of the change: log-scaled lines changed, full signal at 1,000 lines. */
  changeSize: 1.5,
  /** Position in the range: full signal for the first red commit itself, falling to 0 at the oldest. */
  position: 1,
} as const

export type SuspectReasonCode = keyof typeof SUSPECT_WEIGHTS
