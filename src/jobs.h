/* Background jobs run by `propdesk serve`. Each is safe with several instances running:
 * they coordinate through PostgreSQL, never through process memory. */
#ifndef PD_JOBS_H
#define PD_JOBS_H

int jobs_start(void);
void jobs_stop(void);

#endif
