/* passproto: the split-pass wire protocol between qvm-pass (the client, in
 * a work domain) and the vault services ruddo.PassRead and
 * ruddo.PassManage. Pure encoders and parsers over explicit-length
 * buffers; nothing here does I/O.
 *
 * One call carries one request and one reply. The client writes the
 * request and closes its side (EOF); the vault writes one reply and exits.
 *
 *   request = "BHPQ" u8 version(=1) u8 op     u32le nfields field*
 *   reply   = "BHPR" u8 version(=1) u8 status u32le nfields field*
 *   field   = u32le len, len bytes
 *
 * Nothing may follow the last field. Limits: a request has at most
 * PASS_MAX_REQ_FIELDS fields, a reply at most PASS_MAX_REPLY_FIELDS; a
 * field is at most PASS_MAX_FIELD bytes; a whole message at most
 * PASS_MAX_MSG bytes. Every violation is a parse error, never a crash.
 *
 * Names (entry and folder names, "pass-name" in pass's words) are
 * store-relative, '/'-separated, at most PASS_MAX_NAME bytes, with no NUL,
 * no control byte (0x01-0x1f, 0x7f), no leading '/', no empty component,
 * no component starting with '.' (".", "..", and the store's own ".git",
 * ".gpg-id", ".extensions" are out of reach; tree never lists dot names
 * anyway), and no component over 255 bytes. A single trailing '/' is
 * allowed where the op says so ("into this folder" for mv/cp, a folder for
 * ls). The empty name is the store root where an op allows it.
 *
 * Scope: the qrexec argument of each call is the scope of the names it
 * touches (passproto_scope): the first component of the name when it is a
 * plain qrexec argument ([A-Za-z0-9_-][A-Za-z0-9_.-]{0,30}), "_" for any
 * other first component, and "" (no argument: the whole store) for the
 * root and for ops over the whole store (find, grep, git, ls of the root).
 * The vault refuses a request whose names are not all inside the scope of
 * the argument it was called with ("" admits every name), so a policy on
 * ruddo.PassRead+banking governs exactly the banking/ subtree (and an
 * entry named banking).
 *
 * Ops, their service (R = ruddo.PassRead, M = ruddo.PassManage), their
 * request fields, and the reply fields on PASS_OK:
 *
 *  LIST     R   [path]                       tree nodes of path ("" = root)
 *  SHOW     R   [name, line]                 line = decimal, "0" = whole
 *               entry; N >= 1 = only line N (for -c/-q: only the needed
 *               line leaves the vault). Reply: ["secret", bytes] for an
 *               entry, or ["tree", node...] for a folder (as pass shows it)
 *  EXISTS   R+M [name]                       ["file"|"dir"|"none"]; never
 *               decrypts anything
 *  FIND     R   [term...] (>= 1)             tree nodes of the whole store
 *               whose names match *term* (case-insensitive, as
 *               tree -P --prune --matchdirs --ignore-case)
 *  GREP     R   [grep-arg..., pattern]       pairs [entry-name, output]
 *               for every entry with a match; grep options from an
 *               allow-list only (see passproto_grep_option_ok)
 *  GIT      R/M [git-arg...]                 [output]; R allows "log" and
 *               "status", M allows "init" (restricted: no free git)
 *  INSERT   M   [name, content, flags]       [] ; flags: "f" = overwrite.
 *               Without "f" an existing entry is PASS_EXISTS, untouched
 *  GENERATE M   [name, length, charset, flags]  [password]; charset is a
 *               tr(1) set (PASSWORD_STORE_CHARACTER_SET syntax); flags:
 *               "f" overwrite, "i" in place (replace only the first line
 *               of an existing entry), "x" create only (PASS_EXISTS if it
 *               exists, used by get-or-generate)
 *  RM       M   [name, flags]                [removed-path...]; flags "r"
 *  MV, CP   M   [src, dst, flags]            [line...] ; flags "f" overwrite;
 *               without "f" an existing destination is PASS_EXISTS
 *  INIT     M   [path, gpg-id...]            [line...]; no id: the vault
 *               generates a key; one empty id: de-init of path
 *
 * Tree nodes (LIST, SHOW of a folder, FIND) are fields in depth-first
 * order: u8 kind ('d' folder, 'f' file, 'l' symlink), u16le depth (0 =
 * a child of the listed folder), the on-disk name (".gpg" kept); for 'l'
 * the name is followed by a NUL and the link target. The client sorts
 * and renders them as pass does (tree -N -C -l).
 *
 * Any status other than PASS_OK carries one field: a message for the user
 * (the client escapes control bytes before it reaches a terminal).
 */
#ifndef BULKHEAD_PASSPROTO_H
#define BULKHEAD_PASSPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define PASS_PROTO_VERSION 1
#define PASS_HDR_LEN 10
#define PASS_MAX_NAME 4096
#define PASS_MAX_COMPONENT 255
#define PASS_MAX_FIELD (16u << 20)
#define PASS_MAX_MSG ((16u << 20) + (1u << 20))
#define PASS_MAX_REQ_FIELDS 64
#define PASS_MAX_REPLY_FIELDS 1000000
#define PASS_MAX_SCOPE 31

enum pass_op {
	PASS_OP_LIST = 1,
	PASS_OP_SHOW = 2,
	PASS_OP_EXISTS = 3,
	PASS_OP_FIND = 4,
	PASS_OP_GREP = 5,
	PASS_OP_GIT = 6,
	PASS_OP_INSERT = 10,
	PASS_OP_GENERATE = 11,
	PASS_OP_RM = 12,
	PASS_OP_MV = 13,
	PASS_OP_CP = 14,
	PASS_OP_INIT = 15,
};

enum pass_status {
	PASS_OK = 0,
	PASS_ERROR = 1,         /* failed; message; client exits 1 */
	PASS_NOT_FOUND = 2,     /* "Error: X is not in the password store." */
	PASS_EXISTS = 3,        /* refused to overwrite without "f" */
	PASS_DECRYPT = 4,       /* gpg could not decrypt; client exits 2 */
	PASS_REFUSED = 5,       /* op or name outside this service/scope */
	PASS_BAD_REQUEST = 6,   /* malformed request */
	PASS_NO_INIT = 7,       /* store (or folder) has no .gpg-id */
	PASS_BUSY = 8,          /* could not take the store lock in time */
};

/* Which service a call goes to. */
enum pass_service {
	PASS_SVC_READ = 1,   /* ruddo.PassRead */
	PASS_SVC_MANAGE = 2, /* ruddo.PassManage */
};

struct pass_field {
	const uint8_t *p; /* points into the parsed buffer */
	size_t len;
};

/* A parsed request or reply. fields points into a caller-provided array
 * (requests) or is allocated (replies, passproto_msg_free). */
struct pass_msg {
	uint8_t code; /* op of a request, status of a reply */
	uint32_t nfields;
	struct pass_field *fields;
	size_t fields_cap;
};

enum pass_perr {
	PASS_PERR_OK = 0,
	PASS_PERR_SHORT = -1,    /* incomplete message (EOF mid-request) */
	PASS_PERR_MAGIC = -2,    /* not a request/reply of this protocol */
	PASS_PERR_VERSION = -3,  /* unsupported version */
	PASS_PERR_FIELDS = -4,   /* too many fields */
	PASS_PERR_FIELDLEN = -5, /* a field over PASS_MAX_FIELD */
	PASS_PERR_TRAILING = -6, /* bytes after the last field */
	PASS_PERR_NOMEM = -7,
	PASS_PERR_TOOBIG = -8,   /* message over PASS_MAX_MSG */
};

const char *passproto_strerror(int perr);

/* Encoding: appends to a wbuf (limit PASS_MAX_MSG). Returns BUF_* codes. */
int passproto_put_request_hdr(struct wbuf *b, enum pass_op op, uint32_t nfields);
int passproto_put_reply_hdr(struct wbuf *b, enum pass_status st, uint32_t nfields);
int passproto_put_field(struct wbuf *b, const void *p, size_t len);
int passproto_put_str(struct wbuf *b, const char *s);

/* Parses a whole request (is_reply false) or reply (true) in buf[0..len).
 * m->fields grows as needed (free with passproto_msg_free). Fields point
 * into buf. Returns PASS_PERR_*. */
int passproto_parse(const uint8_t *buf, size_t len, bool is_reply, struct pass_msg *m);
void passproto_msg_free(struct pass_msg *m);

/* Checks a parsed request against the op table: known op, allowed on
 * `svc`, field count, every name field valid for the op, flags and numbers
 * well formed, grep options allowed. On failure returns false and writes a
 * message naming the field into err. */
bool passproto_check_request(const struct pass_msg *m, enum pass_service svc,
			     char *err, size_t errlen);

/* Name validation (see the header comment). allow_root: "" is accepted;
 * allow_slash: one trailing '/' is accepted. */
bool passproto_name_ok(const uint8_t *p, size_t len, bool allow_root, bool allow_slash);

/* The scope (qrexec argument) of one name, into out (PASS_MAX_SCOPE + 1
 * bytes): "" for the root. */
void passproto_scope(const uint8_t *name, size_t len, char out[PASS_MAX_SCOPE + 1]);
/* The scope of a whole request: "" when it spans the whole store or more
 * than one scope. */
void passproto_request_scope(const struct pass_msg *m, char out[PASS_MAX_SCOPE + 1]);
/* Whether every name of the request is inside `arg` (the qrexec argument
 * the vault was called with; "" admits all). */
bool passproto_in_scope(const struct pass_msg *m, const char *arg);

/* grep options the vault runs grep with (no free pass-through): -i -v -w
 * -x -E -F -G -n -c -o -l and their long forms, and -A/-B/-C N (as
 * "-A3" or "-A" "3"). Returns the number of fields the option uses
 * (1 or 2) or 0 if refused. */
int passproto_grep_option_ok(const struct pass_field *f, size_t n);

/* Which service an op goes to (GIT: by its first argument; EXISTS: R). */
enum pass_service passproto_op_service(const struct pass_msg *m);
const char *passproto_op_name(uint8_t op);
const char *passproto_service_name(enum pass_service svc);

#endif
