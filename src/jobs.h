/* Background jobs run by `propdesk serve`: the periodic sweeps and the job table's kinds
 * (src/jobq.h). Each is safe with several instances running: they coordinate through
 * PostgreSQL, never through process memory. */
#ifndef PD_JOBS_H
#define PD_JOBS_H

/* Starts the jobs thread, sweeping every every_ms milliseconds. */
int jobs_start(long every_ms);
void jobs_stop(void);

#endif
