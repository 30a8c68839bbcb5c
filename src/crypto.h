/* Small cryptographic helpers over libsodium: encodings, digests, random tokens,
 * password hashing (argon2id). */
#ifndef PD_CRYPTO_H
#define PD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int crypto_init(void);

/* base64url without padding. Encode returns a malloc'd string (caller frees) or NULL. */
char *b64url_encode(const unsigned char *bin, size_t len);
/* Decodes into a malloc'd buffer with a NUL appended (caller frees); NULL when invalid. */
unsigned char *b64url_decode(const char *s, size_t slen, size_t *out_len);

void sha256(const void *data, size_t len, unsigned char out[32]);
/* BLAKE2b-256: a collision-resistant key for a secret held in memory (the token cache),
 * four times the speed of SHA-256 here. */
void digest256(const void *data, size_t len, unsigned char out[32]);
/* XXH64 (seed 0): a fast fingerprint of a body for its ETag. Not collision-resistant
 * against an adversary: never a key for anything secret. */
uint64_t fingerprint64(const void *data, size_t len);
void sha256_hex(const void *data, size_t len, char out[65]);
void hmac_sha256(const unsigned char *key, size_t key_len, const void *data, size_t len,
                 unsigned char out[32]);
/* n random bytes as base64url (a bearer secret). Caller frees. */
char *random_token(size_t n);
/* A fresh request id: 32 hex chars + NUL, unique per process without a syscall (a
 * per-thread generator seeded once from the OS). Not a secret. */
void request_id_new(char out[33]);

/* A random (version 4) UUID, 36 chars + NUL. */
void uuid_v4(char out[37]);

/* 16 random bytes as 32 hex chars + NUL. */
void random_hex16(char out[33]);

/* Overwrites a secret string in place before it is freed. */
void secret_wipe(char *s);

/* argon2id with OWASP's recommended cost (t=2, m=19 MiB, p=1). out must hold 128 bytes. */
int password_hash(const char *password, char out[128]);
/* True when password matches. With hash NULL, burns the same time against a dummy hash so
 * an unknown account answers as slowly as a wrong password. */
bool password_verify(const char *hash, const char *password);

#endif
