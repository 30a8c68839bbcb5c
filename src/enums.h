/* The one source of every code the API speaks (src/enums.c): each enum's codes with zh-CN and
 * en labels, the C constants bound to codes, and the database columns holding them. Everything
 * else derives from it: GET /v1/meta/enums, the validation lists, the CHECK constraints
 * (`propdesk enums-sql`); tests/integration/15_enums.test.mjs holds openapi.yaml and the live
 * database to it. No SQL is run here. */
#ifndef PD_ENUMS_H
#define PD_ENUMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* {name: [{code, label: {"zh-CN", en}}]} for every enum the API speaks (internal ones, the job
 * table's, are left out); new reference. */
json_t *enums_all(void);
/* {"zh-CN", en} for one code; {"zh-CN": code, en: code} when unknown. New reference. */
json_t *enum_label(const char *enum_name, const char *code);

/* The codes of an enum in table order, NULL-terminated (static storage, for v_enum, q_enum
 * and enum_has). An unknown name is a programming error: it is logged and the list is empty,
 * so every value is refused. */
const char *const *enum_codes(const char *enum_name);
/* How many codes enum_codes(enum_name) holds. */
size_t enum_count(const char *enum_name);

/* Enums bound to C constants (role ↔ enum pd_role, scope ↔ its bit, the actions ↔ their
 * enums): the code bound to value, or NULL when none is. */
const char *enum_code(const char *enum_name, int value);
/* The value bound to code; false when code is not one of the enum's codes. */
bool enum_value(const char *enum_name, const char *code, int *out);

/* The source for tools and the drift test: {name: {codes: [...], columns: ["table.column",
 * "table.column[]" for a text[] column, …], internal: true when never on the wire}}. New
 * reference. */
json_t *enums_source(void);

/* Writes the SQL that makes the database agree with the table: for each column holding an
 * enum, its constraint <table>_<column>_enum (replacing the inline <table>_<column>_check of the
 * first migrations). names: the enums to cover (all when n == 0). Returns 0, or -1 with a
 * one-line reason in err when a name is unknown. */
int enums_sql(FILE *out, const char *const names[], int n, char *err, size_t errlen);

/* Checks the table itself (every code's enum declared, no code twice, derived enums built from
 * enums declared before them, the codes they leave out existing, bound values distinct).
 * Returns 0, or -1 with the first problem in err. */
int enums_check(char *err, size_t errlen);

#endif
