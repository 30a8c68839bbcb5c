/* gzip compression (gzip.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include "gzip.h"

enum pd_err gzip_compress(const void *in, size_t len, int level, unsigned char **out, size_t *outlen)
{
    z_stream z = { 0 };
    /* 15 window bits + 16: a gzip header and trailer rather than zlib's */
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return PD_ERR_NOMEM;
    size_t cap = deflateBound(&z, (uLong)len);
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        deflateEnd(&z);
        return PD_ERR_NOMEM;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return PD_ERR_NOMEM;
    }
    *out = buf;
    return PD_OK;
}

bool gzip_accepted(const char *ae)
{
    for (const char *p = ae; p && (p = strcasestr(p, "gzip")) != NULL; p += 4) {
        bool starts = p == ae || p[-1] == ' ' || p[-1] == ',';
        const char *q = p + 4;
        while (*q == ' ')
            q++;
        if (!starts || (*q != '\0' && *q != ',' && *q != ';'))
            continue;
        if (*q == ';') {  /* a quality: only q=0 (0, 0.0, 0.00, 0.000) refuses */
            const char *v = strcasestr(q, "q=");
            if (v && v[2] == '0' && strspn(v + 3, ".0") == strcspn(v + 3, ", "))
                return false;
        }
        return true;
    }
    return false;
}

bool gzip_worth(const char *type)
{
    static const char *const worth[] = { "application/json", "application/problem+json", "application/yaml",
                                         "text/", "application/javascript", NULL };
    for (int i = 0; worth[i] != NULL; i++)
        if (strncasecmp(type, worth[i], strlen(worth[i])) == 0)
            return true;
    return false;
}
