/* fuzz_rpcconfig: libFuzzer target for the per-service qrexec config
 * parser (qrexec/rpcconfig.c). Parses the input and checks invariants of
 * the result: a consistent error report, a zeroed output on failure, no
 * forbidden key combination on success, force-user taken verbatim from the
 * input, and that appending a newline to an accepted file changes nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qrexec/rpcconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n + 1;
}

static void check_failure(const uint8_t *data, size_t size,
			  const struct rpc_config *c,
			  const struct rpc_config_error *err)
{
	const char *nul = memchr(err->msg, '\0', sizeof(err->msg));

	if (!nul || nul == err->msg)
		abort(); /* message missing or unterminated */
	if (err->line > count_lines(data, size))
		abort();
	if (c->force_user || c->wait_for_session ||
	    c->skip_service_descriptor || c->exit_on_service_eof ||
	    c->exit_on_client_eof)
		abort(); /* output not left freed and zeroed */
}

static void check_success(const uint8_t *data, size_t size,
			  const struct rpc_config *c)
{
	if (c->force_user) {
		size_t ulen = strlen(c->force_user);
		char *quoted;

		/* The value is copied from one line, so no NUL inside it
		 * and at most the input's length. */
		if (ulen > size || memchr(data, '\0', size))
			abort();
		quoted = malloc(ulen + 2);
		if (!quoted)
			abort();
		quoted[0] = '\'';
		memcpy(quoted + 1, c->force_user, ulen);
		quoted[ulen + 1] = '\'';
		if (!memmem(data, size, quoted, ulen + 2))
			abort();
		free(quoted);
		if (c->skip_service_descriptor || c->exit_on_service_eof ||
		    c->exit_on_client_eof)
			abort(); /* forbidden combination accepted */
	}
}

static int same_config(const struct rpc_config *a, const struct rpc_config *b)
{
	if (a->wait_for_session != b->wait_for_session ||
	    a->skip_service_descriptor != b->skip_service_descriptor ||
	    a->exit_on_service_eof != b->exit_on_service_eof ||
	    a->exit_on_client_eof != b->exit_on_client_eof)
		return 0;
	if (!a->force_user || !b->force_user)
		return a->force_user == b->force_user;
	return strcmp(a->force_user, b->force_user) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_config c, c2;
	struct rpc_config_error err;
	uint8_t *longer;
	int rc;

	memset(&err, 0x5a, sizeof(err));
	rc = rpc_config_parse((const char *)data, size, &c, &err);
	if (rc != 0 && rc != -1)
		abort();
	if (rc < 0) {
		check_failure(data, size, &c, &err);
		rpc_config_free(&c);
		return 0;
	}
	check_success(data, size, &c);

	/* An accepted file stays accepted, with the same result, with one
	 * more newline at the end (a blank line, or the missing final one). */
	longer = malloc(size + 1);
	if (!longer)
		abort();
	if (size)
		memcpy(longer, data, size);
	longer[size] = '\n';
	if (size + 1 <= 64 * 1024) {
		if (rpc_config_parse((const char *)longer, size + 1, &c2,
				     &err) != 0)
			abort();
		if (!same_config(&c, &c2))
			abort();
		rpc_config_free(&c2);
	}
	free(longer);
	rpc_config_free(&c);
	return 0;
}
