/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: `--log FILE --log-format text|json` like runc.  Without --log,
 * warnings and errors go to stderr.  json: one object per line with level,
 * msg and time. */
#ifndef HULL_LOG_H
#define HULL_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* path NULL: stderr.  Returns -errno when the file cannot be opened. */
int log_init(const char *path, const char *format, int debug);
void hlog(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) hlog(LOG_DEBUG, __VA_ARGS__)
#define log_warn(...) hlog(LOG_WARN, __VA_ARGS__)
/* The fd logging writes to (for the container init, which inherits it). */
int log_fd(void);
int log_is_json(void);
int log_level_enabled(enum log_level lvl);

#endif
