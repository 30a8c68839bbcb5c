/* The complaint machine (DESIGN §7) as a table (src/machine.h): who may take which action in
 * which state and where it leads. No SQL and no HTTP here; unit-tested in
 * tests/unit/test_complaint_rules.c. The codes are in src/enums.c. */
#ifndef PD_COMPLAINT_RULES_H
#define PD_COMPLAINT_RULES_H

#include "machine.h"

enum complaint_action {
    CA_ACCEPT, CA_RECLASSIFY, CA_REJECT, CA_FORWARD, CA_ACKNOWLEDGE, CA_RESOLVE, CA_REPLY, CA_CLOSE,
    CA_CONFIRM, CA_DISPUTE, CA_WITHDRAW, CA_MERGE, CA_EXTEND, CA_APPROVE_EXTENSION,
    CA_REJECT_EXTENSION, CA_COMMENT, CA_DISPATCH,
    CA_COUNT
};

/* Its actions are enum complaint_action; the caller's facts MF_MINE (the complainant),
 * MF_RECEIVER, MF_UNRECEIVED, MF_DEPT, MF_DEPT_PENDING, MF_COMMUNICATIVE,
 * MF_REOPENABLE (a reply still disputable), MF_EXTENSION_PENDING, MF_EXTENSION_MINE and
 * MF_SUBJECT.
 *  - 首问负责: only the receiver, or a supervisor or manager, may accept (the first desk
 *    member to accept an unreceived complaint becomes its receiver), classify, reject,
 *    forward, reply, merge and close it; anyone else who sees it is refused 403.
 *  - A forwarded department's head (a supervisor of that department) signs for it; its
 *    staff (technicians) or head record the result; a manager or admin may stand in.
 *  - A communicative complaint may be replied to from accepted, without forwarding.
 *  - The complainant accepts or disputes the reply (disputing within the window sends it
 *    back to accepted) and may withdraw it before it is resolved.
 *  - A department head asks for an extension; a manager or admin other than the one asking
 *    decides it (第十七条).
 *  - The staff member a complaint is about (MF_SUBJECT) never receives or runs it.
 *  - While it is open, the complainant adds information and staff who see it comment.
 *  - A department that signed for it may spawn repair work (a ticket dispatched as work
 *    orders) until it is resolved. */
extern const struct machine complaint_machine;

#endif
