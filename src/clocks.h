/* Deadlines, one mechanism for every resource (DESIGN §14): a clock is a row of `clocks`
 * (sql/migrations/0017_clocks.sql) keyed by subject and name (clock_name in src/enums.c).
 * These functions move clocks in the caller's transaction and keep `due` right with
 * src/sla.c's business-time arithmetic; the sweep that warns and breaches them is in
 * src/jobs.c. Which clocks a resource has and their targets are the resource's business. */
#ifndef PD_CLOCKS_H
#define PD_CLOCKS_H

#include <stdbool.h>
#include <time.h>
#include "db.h"
#include "pd.h"

struct clock_subject {
    const char *org, *type, *id;   /* e.g. org, "ticket", the ticket's id */
};

/* Starts clock `name` at `start` (epoch seconds, usually the transaction's now()): `minutes`
 * of business time (business_hours) or of wall time on the community's calendar. A clock
 * that exists starts anew (a complaint forwarded again after its reply was disputed). */
enum pd_err clock_start(struct db_conn *db, const struct clock_subject *s, const char *name,
                        const char *community_id, int minutes, bool business_hours, time_t start);

/* Sets clock `name`'s target and calendar and recomputes its due time from its start and
 * its holds (a met clock keeps its due). */
enum pd_err clock_retarget(struct db_conn *db, const struct clock_subject *s, const char *name,
                           int minutes, bool business_hours);

/* Marks clock `name` met now, unless already met. */
enum pd_err clock_met(struct db_conn *db, const struct clock_subject *s, const char *name);

/* Forgets that clock `name` was met: it runs again toward its due time (a reopening). */
enum pd_err clock_unmet(struct db_conn *db, const struct clock_subject *s, const char *name);

/* Holds every unmet clock of the subject (due NULL until resumed, unless already past) /
 * resumes them: the due times move by the business time spent on hold. */
enum pd_err clocks_pause(struct db_conn *db, const struct clock_subject *s);
enum pd_err clocks_resume(struct db_conn *db, const struct clock_subject *s);

/* The subject ended (resolved, cancelled): the sweep leaves its clocks alone / it came back
 * (reopened): its unmet clocks are swept again. Neither changes a due time. */
enum pd_err clocks_stop(struct db_conn *db, const struct clock_subject *s);
enum pd_err clocks_restart(struct db_conn *db, const struct clock_subject *s);

#endif
