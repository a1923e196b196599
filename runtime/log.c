/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/log.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int logfd = 2;
static int json;
static enum log_level max_level = LOG_WARN;

int log_init(const char *path, const char *format, int debug)
{
	if (format && strcmp(format, "json") == 0)
		json = 1;
	if (debug)
		max_level = LOG_DEBUG;
	if (path && *path) {
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		logfd = fd;
	}
	return 0;
}

int log_fd(void) { return logfd; }
int log_is_json(void) { return json; }
int log_level_enabled(enum log_level lvl) { return lvl <= max_level; }

static const char *level_name[] = { "error", "warning", "info", "debug" };

/* JSON string escaping for the msg field. */
static size_t json_escape(char *dst, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(dst + n, cap - n, "\\u%04x", c);
		} else {
			dst[n++] = (char)c;
		}
	}
	dst[n] = 0;
	return n;
}

void hlog(enum log_level lvl, const char *fmt, ...)
{
	if (lvl > max_level)
		return;
	char msg[1200], line[2600], ts[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	rfc3339_utc(&now, ts, sizeof ts);

	int n;
	if (json) {
		char esc[2400];
		json_escape(esc, sizeof esc, msg);
		n = snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			     level_name[lvl], esc, ts);
	} else if (logfd == 2) {
		n = lvl == LOG_ERROR ? snprintf(line, sizeof line, "hull: %s\n", msg)
				     : snprintf(line, sizeof line, "hull: %s: %s\n", level_name[lvl], msg);
	} else {
		n = snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_name[lvl], msg);
	}
	if (n > (int)sizeof line - 1)
		n = (int)sizeof line - 1;
	if (n > 0)
		write_all(logfd, line, (size_t)n);
	/* An error also reaches the person at the terminal when it went to a
	 * log file (runc does the same). */
	if (lvl == LOG_ERROR && logfd != 2) {
		n = snprintf(line, sizeof line, "hull: %s\n", msg);
		if (n > (int)sizeof line - 1)
			n = (int)sizeof line - 1;
		write_all(2, line, (size_t)n);
	}
}
