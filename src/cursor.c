/* Cursor sealing: base64url("<µs>.<uuid>" || HMAC-SHA256[0..12)). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "cursor.h"
#include "validate.h"

#define MAC_LEN 12

static unsigned char key[32];

void cursor_init(const unsigned char *key_material, size_t len)
{
    hmac_sha256((const unsigned char *)"propdesk-cursor-v1", 18, key_material, len, key);
}

char *cursor_encode(const char *created_us, const char *id)
{
    unsigned char buf[96];
    int n = snprintf((char *)buf, sizeof buf - MAC_LEN, "%s.%s", created_us, id);
    if (n < 0 || (size_t)n >= sizeof buf - MAC_LEN)
        return NULL;
    unsigned char mac[32];
    hmac_sha256(key, sizeof key, buf, (size_t)n, mac);
    memcpy(buf + n, mac, MAC_LEN);
    return b64url_encode(buf, (size_t)n + MAC_LEN);
}

bool cursor_decode(const char *cursor, char created_us[24], char id[37])
{
    size_t clen = strlen(cursor), len;
    if (clen == 0 || clen > 200)
        return false;
    unsigned char *raw = b64url_decode(cursor, clen, &len);
    if (raw == NULL)
        return false;
    bool ok = false;
    if (len >= MAC_LEN + 38) {  /* at least "<digit>.<uuid>" */
        size_t body = len - MAC_LEN;
        unsigned char mac[32];
        hmac_sha256(key, sizeof key, raw, body, mac);
        if (sodium_memcmp(mac, raw + body, MAC_LEN) == 0) {
            raw[body] = '\0';
            char *dot = strchr((char *)raw, '.');
            long long us;
            if (dot != NULL && (size_t)(dot - (char *)raw) < 24) {
                *dot = '\0';
                if (int_parse((char *)raw, 0, 253402300799999999LL, &us) && uuid_valid(dot + 1)) {
                    snprintf(created_us, 24, "%lld", us);
                    memcpy(id, dot + 1, 37);
                    ok = true;
                }
            }
        }
    }
    free(raw);
    return ok;
}
