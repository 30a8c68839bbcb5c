/* Every code the API speaks, with zh-CN and en labels (GET /v1/meta/enums). */
#ifndef PD_ENUMS_H
#define PD_ENUMS_H

#include <jansson.h>

/* {name: [{code, label: {"zh-CN", en}}]} for every enum; new reference. */
json_t *enums_all(void);
/* {"zh-CN", en} for one code; {"zh-CN": code, en: code} when unknown. New reference. */
json_t *enum_label(const char *enum_name, const char *code);

#endif
