/* Chinese for the English the API writes in problems: titles, details and the messages of
 * invalid fields (for callers whose Accept-Language prefers Chinese). Every such text in the
 * source has its entry: tests/contract/messages.mjs checks. */
#ifndef PD_ZH_H
#define PD_ZH_H

/* en in Chinese (a new string the caller frees), or NULL when the catalogue has no entry. */
char *zh_of(const char *en);

#endif
