/* The survey campaign machine (DESIGN §10) as a table (src/machine.h). No SQL and no HTTP
 * here; unit-tested in tests/unit/test_survey_rules.c. The codes are in src/enums.c. */
#ifndef PD_SURVEY_RULES_H
#define PD_SURVEY_RULES_H

#include "machine.h"

enum survey_action {
    SA_UPDATE, SA_SCHEDULE, SA_OPEN, SA_CLOSE, SA_RESPOND, SA_ENTER, SA_DRAW_AUDIT, SA_AUDIT, SA_COUNT
};

/* Its actions are enum survey_action; the caller's facts MF_COVERS (the caller serves every
 * community it targets: org-wide staff, or those of its communities) and MF_MINE (an owner:
 * it targets one of their units that has not answered yet).
 *  - Managers, admins and the quality department, covering it, edit a draft, schedule it
 *    (it opens at opens_at), open it now (a draft or a scheduled one) and close it when open.
 *  - Owners answer an open one for their unit; the desk enters paper answers while it is
 *    open (the unit's community theirs: src/surveys.c).
 *  - The quality department (and admins) draw the audit sample of a closed one, then audit
 *    each answer drawn (verified or void). */
extern const struct machine survey_machine;

#endif
