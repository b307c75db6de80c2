/* names: validation and sanitization of qrexec names (service names,
 * domain names, request ids), with the same rules as Qubes' qrexec-daemon.
 * All functions are pure and work on caller-owned buffers. */
#ifndef BULKHEAD_NAMES_H
#define BULKHEAD_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QREXEC_IDENT_LEN 32

/* Replaces every byte of the NUL-terminated s outside [A-Za-z0-9_.-] and
 * `extra` with '_' (as upstream qrexec-daemon does). */
void names_sanitize(char *s, const char *extra);
/* A request id: [A-Za-z0-9_.- ] up to a NUL within 32 bytes, only NULs
 * after it. A full 32-byte id without NUL is valid too. */
bool names_valid_request_id(const uint8_t ident[QREXEC_IDENT_LEN]);
/* Service name from a trigger: non-empty, not starting with '+'; other
 * bad bytes are sanitized to '_' in place. */
bool names_check_service_name(char *s);
/* A domain name as Qubes allows it for a VM: [A-Za-z][A-Za-z0-9_.-]*,
 * at most 31 bytes, not a reserved word. */
bool names_valid_domain_name(const char *s, size_t len);
/* Whether a requested target means the admin domain (dom0). */
bool names_target_is_dom0(const char *s);

#endif
