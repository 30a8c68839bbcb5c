/* The expected-table check of a state machine (machine_table.h). */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "machine_table.h"

static const char *cell(const struct machine *m, const char *status, int a, enum pd_role role, unsigned facts)
{
    static char buf[8][24];
    static int k;
    const char *to = NULL;
    struct machine_ctx c = { role, facts };
    switch (machine_check(m, status, a, &c, &to)) {
    case MACHINE_FORBIDDEN: return "x";
    case MACHINE_CONFLICT: return "-";
    case MACHINE_OK: break;
    }
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s", strcmp(to, status) == 0 ? "=" : to);
    return buf[k];
}

void machine_table_check(const struct machine *m, const struct machine_row *t, size_t n)
{
    ck_assert_int_le(m->n_actions, MACHINE_TABLE_MAX_ACTIONS);
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < m->n_actions; a++) {
            ck_assert_msg(t[i].expect[a] != NULL, "%s: row %zu lacks action %d", m->noun, i, a);
            const char *got = cell(m, t[i].status, a, t[i].role, t[i].facts);
            ck_assert_msg(strcmp(got, t[i].expect[a]) == 0, "%s: %s × %s (facts %#x) → %s, expected %s",
                          m->noun, role_name(t[i].role), t[i].status, t[i].facts, got, t[i].expect[a]);
        }
}

