import { readFileSync } from 'node:fs';

/** How livekit-server recorded one job of a room: its id, and its final status once it ended. */
export interface JobOutcome {
  jobId: string;
  status: string | null;
  error: string | null;
}

/**
 * The jobs livekit-server assigned for a room and how each ended, read from its own log: its
 * dispatch API lists only the state at assignment, and nothing once the room is gone (1.13.5), so
 * its log lines "assigned job to worker" (job id and room) and "job ended" (status, error) are
 * where the final state is.
 */
export function jobsOfRoom(livekitLog: string, room: string): JobOutcome[] {
  const jobs = new Map<string, JobOutcome>();
  for (const line of readFileSync(livekitLog, 'utf8').split('\n')) {
    const brace = line.indexOf('{');
    if (brace < 0 || !(line.includes('assigned job to worker') || line.includes('job ended'))) continue;
    let f: { jobID?: string; room?: string; status?: string; error?: string };
    try {
      f = JSON.parse(line.slice(brace));
    } catch {
      continue;
    }
    if (!f.jobID) continue;
    if (line.includes('assigned job to worker') && f.room === room) jobs.set(f.jobID, { jobId: f.jobID, status: null, error: null });
    const known = jobs.get(f.jobID);
    if (line.includes('job ended') && known) {
      known.status = f.status ?? null;
      known.error = f.error || null;
    }
  }
  return [...jobs.values()];
}
