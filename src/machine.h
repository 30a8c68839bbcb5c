/* State machines as data (DESIGN §14). A resource declares its machine as a table of
 * transitions — action, from-states, to-state, roles, guard — and this module answers, for
 * a caller, where an action leads or why it may not be taken (the role never may: 403; the
 * state does not allow it: 409), and which actions are allowed now. Pure: no SQL, no HTTP.
 * The tables live with their resource's rules (src/ticket_rules.c, src/residencies.c); the
 * guarded UPDATE is rows_transition (src/rows.h), the handler path api_action_run (api/action.h). */
#ifndef PD_MACHINE_H
#define PD_MACHINE_H

#include <jansson.h>
#include <stdbool.h>
#include "pd.h"

/* What the caller is to the object (and the few facts of the object the guards read), as
 * bits the resource sets when it loads the object. */
enum machine_fact {
    MF_MINE = 1u << 0,          /* tickets: an owner of its unit or its reporter (complaints: the
                                 * complainant; callbacks: the owner called back) */
    MF_ASSIGNED = 1u << 1,      /* work orders (and callbacks): it has an assignee */
    MF_ASSIGNEE = 1u << 2,      /* … and the caller is it */
    MF_CAN_GRAB = 1u << 3,      /* … the caller is a technician of its department */
    MF_QUEUED = 1u << 4,        /* … it was posted to the department's queue */
    MF_WORK_STARTED = 1u << 5,  /* tickets: some work order is in progress, on hold or completed */
    MF_REOPENABLE = 1u << 6,    /* … resolved within the reopen window */
    MF_INQUIRY = 1u << 7,       /* … its kind is inquiry (answered by a reply, never dispatched) */
    MF_RECEIVER = 1u << 8,      /* complaints: the caller received it (首问负责) */
    MF_UNRECEIVED = 1u << 9,    /* … nobody has received it yet (an app or client complaint) */
    MF_DEPT = 1u << 10,         /* … the caller's department was forwarded it */
    MF_DEPT_PENDING = 1u << 11, /* … and has not signed for it yet */
    MF_COMMUNICATIVE = 1u << 13,/* … its nature is communicative (answered without forwarding) */
    MF_EXTENSION_PENDING = 1u << 14, /* … an extension waits for a decision */
    MF_EXTENSION_MINE = 1u << 15,    /* … and the caller asked for it */
    MF_SUBJECT = 1u << 16,      /* … the caller is the staff member it is about */
    MF_REQUESTED = 1u << 17,    /* callbacks: the owner was asked to answer in the app */
    MF_HAS_RESIDENT = 1u << 18, /* … it names an owner with an account (who can be asked) */
    MF_COVERS = 1u << 19,       /* announcements: the caller serves every community it targets */
    MF_ACK_REQUIRED = 1u << 20, /* … it asks its readers to acknowledge it */
};

struct machine_ctx {
    enum pd_role role;
    unsigned facts;             /* enum machine_fact bits */
};

/* A guard: true when the caller may take the transition (the state and role already match). */
typedef bool (*machine_guard)(const struct machine_ctx *c);

struct machine_transition {
    int action;                 /* the resource's action constant, bound to its code in src/enums.c */
    const char *const *from;    /* the states it leaves, NULL-terminated */
    const char *to;             /* the state it leads to; NULL: the state stays */
    unsigned roles;             /* ROLE_BIT set of the roles that may ever take it */
    machine_guard guard;        /* NULL: none */
    bool guard_forbids;         /* a failed guard is 403 (not the caller's object), else 409 */
    machine_guard who;          /* NULL: none; checked before the state and guard, a failure is
                                 * always 403 (whose it is, not when), so that the state and
                                 * guard can still answer 409 */
};

struct machine {
    const char *noun;           /* "ticket", "work order" — for messages */
    const char *action_enum;    /* the enum of src/enums.c naming its actions */
    int n_actions;
    const struct machine_transition *t;
    int n;
};

enum machine_verdict {
    MACHINE_OK,
    MACHINE_FORBIDDEN,          /* 403: the role never may, or a guard says it is not theirs */
    MACHINE_CONFLICT,           /* 409: not from this state (or a guard of the object's facts) */
};

/* Where action leads from state for caller c. On MACHINE_OK *to is the next state, or the
 * current one when the transition keeps it; untouched otherwise. The first row that
 * matches role, state and guard wins. */
enum machine_verdict machine_check(const struct machine *m, const char *state, int action,
                                   const struct machine_ctx *c, const char **to);

/* The codes of the actions c may take now, in the enum's order (new reference). */
json_t *machine_allowed(const struct machine *m, const char *state, const struct machine_ctx *c);

#endif
