/* The announcement machine (DESIGN §9) as a table (src/machine.h). No SQL and no HTTP here;
 * unit-tested in tests/unit/test_announcement_rules.c. The codes are in src/enums.c. */
#ifndef PD_ANNOUNCEMENT_RULES_H
#define PD_ANNOUNCEMENT_RULES_H

#include "machine.h"

enum announcement_action {
    AA_UPDATE, AA_SCHEDULE, AA_PUBLISH, AA_WITHDRAW, AA_ARCHIVE, AA_AMEND, AA_ACK, AA_COUNT
};

/* Its actions are enum announcement_action; the caller's facts MF_COVERS (the caller serves
 * every community it targets: org-wide staff, or those of its communities) and
 * MF_ACK_REQUIRED (it asks for acknowledgement).
 *  - The desk (agents, supervisors, managers, admins) edits a draft it covers; managers and
 *    admins also a scheduled one.
 *  - Managers and admins covering it schedule or publish a draft (or publish a scheduled
 *    one at once), withdraw what is scheduled or out, archive what has ended, and amend
 *    what is out (a new version replaces it: src/announcements.c).
 *  - An owner it reaches acknowledges a notice that asks for it (again: no change). */
extern const struct machine announcement_machine;

#endif
