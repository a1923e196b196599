/* SPDX-License-Identifier: Apache-2.0 */
/* The command line's shared parts: global options, runc-style flag tables
 * and their parser, help, the one-line errors.  Each command family has a
 * file of its own (main.c: the containers; image.c: `hull image`). */
#ifndef HULL_CLI_H
#define HULL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/util.h"

struct global {
	const char *root;
	const char *log;
	const char *log_format;
	bool debug;
	bool systemd_cgroup;
	const char *store;      /* --store: the image store (default STORE_DEFAULT) */
};

/* One flag of a command.  arg: 0 none, 1 a value, 2 a value that may repeat. */
struct flag {
	const char *name;
	char short_name;
	int arg;
	const char *help;
	const char *meta;       /* the value's name in --help (NULL: VALUE) */
};

/* Parsed flags of one command: values by index in its flag table. */
#define CLI_MAX_FLAGS 32
struct parsed {
	const char *val[CLI_MAX_FLAGS];
	bool set[CLI_MAX_FLAGS];
	const char **list[CLI_MAX_FLAGS];   /* arg 2: every value, in order */
	size_t nlist[CLI_MAX_FLAGS];
	int argc;
	char **argv;
};

struct cmd {
	const char *name;
	const char *args;       /* usage after the flags */
	const char *summary;
	const struct flag *flags;
	int (*run)(struct global *g, const struct parsed *p);
	int min_args, max_args; /* positional arguments (-1: any) */
	bool args_last;         /* options end at the first argument (exec, ps: the rest is argv) */
	int args_after;         /* flag index + 1: with that flag set, options end after
				 * the first argument (run --image ID CMD ARGS...); 0: never */
	const char *family;     /* "image " for `hull image CMD`; NULL: none */
};

/* Log "msg" as an error; returns 1 (the exit status of a usage error). */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse argv (after the command's name) by c's table; *help when asked. */
int cli_parse_flags(const struct cmd *c, int argc, char **argv, struct parsed *p, bool *help);
void cli_print_help(const struct cmd *c, const char *prefix);
/* Log e once; returns 1. */
int cli_fail(const struct hull_err *e);
/* `hull FAMILY ...` (image, network): its help (about: what the family is,
 * printed after the usage line), `help CMD`, and CMD run by cmds[0..n). */
int cli_family_main(struct global *g, const char *family, const struct cmd *cmds, size_t n, const char *about,
		    int argc, char **argv);

#endif
