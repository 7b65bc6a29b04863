// Fan-out of an investigation's activity to the people who should hear of it.
import type { Tx } from '../connectors/timeline.server'
import type { ActivityRecord } from '../investigations/activity.server'

/** Writes the notifications (and immediate mail) an activity causes, in the activity's transaction. */
export async function fanOutActivity(_tx: Tx, _activity: ActivityRecord): Promise<void> {
  // Filled in by the notifications work (issue 7).
}
