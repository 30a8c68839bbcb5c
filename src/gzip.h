/* gzip (RFC 1952) compression with zlib, for replies (api/http.c) and the docs assets
 * compressed once at start (api/ops.c). */
#ifndef PD_GZIP_H
#define PD_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include "pd.h"

/* Bodies smaller than this are sent as they are: compressing them costs more than it saves. */
#define GZIP_MIN_BYTES 1024

/* Compresses len bytes at level (1 fast … 9 small) into *out (malloc'd, caller frees). */
enum pd_err gzip_compress(const void *in, size_t len, int level, unsigned char **out, size_t *outlen);

/* Whether an Accept-Encoding header value (NULL: none) accepts gzip: the token present and
 * not with q=0. */
bool gzip_accepted(const char *accept_encoding);

/* Whether a Content-Type is worth compressing (text, JSON, YAML, JavaScript, CSS, CSV, HTML). */
bool gzip_worth(const char *content_type);

#endif
