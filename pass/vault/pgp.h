/* pgp: the recipients of an OpenPGP message without decrypting it: the
 * key ids of the public-key encrypted session key packets at its start
 * (what `gpg --list-only` reports and pass compares before re-encrypting).
 * A pure parser over an explicit-length buffer; the file may be anything. */
#ifndef BULKHEAD_PASS_PGP_H
#define BULKHEAD_PASS_PGP_H

#include <stddef.h>
#include <stdint.h>

#define PGP_MAX_KEYIDS 256

/* Reads packets from the start of msg[0..len) while they are session key
 * packets (tag 1 public-key, tag 3 symmetric) and stores the key id of
 * each version 3 public-key one in ids (at most max). Stops at the first
 * other packet. Returns the number of key ids, or -1 when the bytes are
 * not such a message (no packet, bad header, a packet running past the
 * end before any other packet, more than max key ids). */
int pgp_pkesk_keyids(const uint8_t *msg, size_t len, uint64_t *ids, size_t max);

/* The ids as sorted, de-duplicated, newline-terminated upper-case hex
 * (16 digits each) into out. Returns 0, or -1 when out is too small. */
int pgp_keyids_str(uint64_t *ids, size_t n, char *out, size_t outlen);

#endif
