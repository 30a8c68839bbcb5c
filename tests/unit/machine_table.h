/* Checking a state machine (src/machine.h) against an expected table: every action from a
 * state, for a kind of caller. A cell is "-" (409: not from this state), "x" (403: the role
 * never may, or it is not theirs), "=" (allowed, the state stays) or the state it leads to. */
#ifndef PD_TEST_MACHINE_TABLE_H
#define PD_TEST_MACHINE_TABLE_H

#include <stddef.h>
#include "../../src/machine.h"

#define MACHINE_TABLE_MAX_ACTIONS 20

struct machine_row {
    const char *status;
    enum pd_role role;
    unsigned facts;
    const char *expect[MACHINE_TABLE_MAX_ACTIONS];  /* one cell per action, in the enum's order */
};

/* Fails the running Check test at the first cell that differs. */
void machine_table_check(const struct machine *m, const struct machine_row *t, size_t n);

#endif
