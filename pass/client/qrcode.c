/* qrcode: -q/--qrcode as pass does it: with a display, a PNG from
 * qrencode shown by feh, gm or display (titled "pass: NAME"); otherwise
 * (or with none of them) `qrencode -t utf8` on the terminal. The secret
 * goes to qrencode's stdin only. */
#include "pass/client/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int qrcode_show(const struct qp_ctx *c, const char *name, const uint8_t *secret, size_t len)
{
	const char *w = getenv("WAYLAND_DISPLAY"), *d = getenv("DISPLAY");
	if (!in_path("qrencode"))
		return die(c, "Error: qrencode is not installed");
	if ((w && w[0]) || (d && d[0])) {
		static const char *const viewers[] = {"feh", "gm", "display"};
		for (size_t i = 0; i < 3; i++) {
			if (!in_path(viewers[i]))
				continue;
			char title[PASS_MAX_NAME + 16];
			snprintf(title, sizeof title, "pass: %s", name);
			struct wbuf png;
			wbuf_init_secret(&png, 64u << 20);
			char *enc[] = {"qrencode", "--size", "10", "-o", "-", NULL};
			int rc = pipe_through(enc, secret, len, &png, true);
			char *feh[] = {"feh", "-x", "--title", title, "-g", "+200+200", "-", NULL};
			char *gm[] = {"gm", "display", "-title", title, "-geometry", "+200+200", "-",
				      NULL};
			char *disp[] = {"display", "-title", title, "-geometry", "+200+200", "-", NULL};
			char **argv = i == 0 ? feh : i == 1 ? gm : disp;
			if (rc == 0)
				rc = pipe_through(argv, png.p ? (const void *)png.p : "", png.len, NULL,
						  false);
			wbuf_free_secret(&png);
			return rc == 0 ? 0 : die(c, "Error: could not show the QR code (%s)",
						 viewers[i]);
		}
	}
	char *argv[] = {"qrencode", "-t", "utf8", NULL};
	int rc = pipe_through(argv, secret, len, NULL, false);
	return rc == 0 ? 0 : die(c, "Error: qrencode failed");
}
