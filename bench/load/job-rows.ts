import type { DeadlineLoopFigures } from './deadline-loop.js';

/** What both load modes print of the jobs' own timing, beside the control that says what the machine did. */
export function printJobTimingRows(
  row: (k: string, v: unknown) => void,
  f: {
    capture_wait_p999_ms: number | null;
    capture_wait_p999_ms_median_job: number | null;
    eventloop_p999_ms: number | null;
    onset_input_late_max_ms?: number | null;
    jitter_buffer_max_ms?: number | null;
    jitter_buffer_p50_ms_median_job?: number | null;
    call_thread_nice: number[];
  },
  control: DeadlineLoopFigures,
): void {
  row(
    "AudioSource's time to accept a frame p99.9 (worst job / median job: native back-pressure)",
    `${f.capture_wait_p999_ms ?? '–'} / ${f.capture_wait_p999_ms_median_job ?? '–'} ms`,
  );
  row('event-loop delay p99.9 (worst job)', `${f.eventloop_p999_ms} ms (call threads at nice ${f.call_thread_nice.join(', ') || '–'})`);
  row(
    "caller's onset read behind its audio's pace, worst turn (worst job: the audio held back before the call's JS)",
    `${f.onset_input_late_max_ms ?? '–'} ms`,
  );
  row(
    "caller's audio held in the job's jitter buffer, worst second (worst job) / median (median job)",
    `${f.jitter_buffer_max_ms ?? '–'} / ${f.jitter_buffer_p50_ms_median_job ?? '–'} ms`,
  );
  row(
    'control: a bare 20 ms deadline loop beside the jobs, lateness p50 / p99 / p99.9 / max',
    `${control.p50_ms} / ${control.p99_ms} / ${control.p999_ms} / ${control.max_ms} ms (${control.over_5ms} of ${control.ticks} ticks over 5 ms; nice ${control.nice ?? '–'})`,
  );
}

/** The control's keys in the last JSON line of both load modes. */
export function controlKeys(control: DeadlineLoopFigures) {
  return {
    control_p50_ms: control.p50_ms,
    control_p99_ms: control.p99_ms,
    control_p999_ms: control.p999_ms,
    control_max_ms: control.max_ms,
    control_ticks_over_5ms: control.over_5ms,
    control_nice: control.nice ?? null,
  };
}
