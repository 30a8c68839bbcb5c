/* Opaque list cursors: a position (created_at in µs, id) sealed with an HMAC so a client
 * can neither forge nor corrupt one into a server error. */
#ifndef PD_CURSOR_H
#define PD_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

void cursor_init(const unsigned char *key_material, size_t len);
/* Returns a malloc'd cursor for the row (caller frees), NULL on allocation failure. */
char *cursor_encode(const char *created_us, const char *id);
/* True and fills created_us (decimal) and id when the cursor is one of ours. */
bool cursor_decode(const char *cursor, char created_us[24], char id[37]);

#endif
