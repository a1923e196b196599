/* SPDX-License-Identifier: Apache-2.0 */
/* The command line's flag parser and help (see cli.h). */
#include "runtime/cli.h"
#include "runtime/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cli_usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	hlog(LOG_ERROR, "%s", msg);
	return 1;
}

/* Go-style flags like runc's: -f, --flag, -flag, --flag=value, --flag value.
 * As in runc, options may come before and after the arguments (`update ID
 * --memory 64m`), but for a command whose options end at its first argument
 * (exec, ps); "--" ends them everywhere.  The arguments are gathered at the
 * front of argv (each slot reused is one already read). */
/* "image " for the image family's commands, "" for the others. */
#define F(c) ((c)->family ? (c)->family : "")

int cli_parse_flags(const struct cmd *c, int argc, char **argv, struct parsed *p, bool *help)
{
	memset(p, 0, sizeof *p);
	int i = 0, npos = 0;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == 0) {
			if (c->args_last || (npos == 1 && c->args_after && p->set[c->args_after - 1]))
				break;
			argv[npos++] = argv[i];
			continue;
		}
		const char *name = a + 1 + (a[1] == '-');
		const char *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
		if ((nl == 4 && strncmp(name, "help", 4) == 0) || (nl == 1 && name[0] == 'h')) {
			*help = true;
			return 0;
		}
		int k = -1;
		for (int j = 0; c->flags && c->flags[j].name; j++) {
			const struct flag *f = &c->flags[j];
			if ((strlen(f->name) == nl && strncmp(f->name, name, nl) == 0) ||
			    (nl == 1 && f->short_name == name[0])) {
				k = j;
				break;
			}
		}
		if (k < 0)
			return cli_usage_error("%s%s: unknown flag %s (see hull %s%s --help)", F(c), c->name, a, F(c), c->name);
		p->set[k] = true;
		if (c->flags[k].arg) {
			if (eq) {
				p->val[k] = eq + 1;
			} else if (i + 1 < argc) {
				p->val[k] = argv[++i];
			} else {
				return cli_usage_error("%s%s: flag %s needs a value", F(c), c->name, a);
			}
			if (c->flags[k].arg == 2) {
				/* argc bounds how many values there can be. */
				if (!p->list[k] && !(p->list[k] = calloc((size_t)argc, sizeof *p->list[k])))
					return cli_usage_error("out of memory");
				p->list[k][p->nlist[k]++] = p->val[k];
			}
		} else if (eq) {
			/* --flag=true / --flag=false */
			p->set[k] = strcmp(eq + 1, "false") != 0 && strcmp(eq + 1, "0") != 0;
		}
	}
	/* What is left (after "--", or from exec's first argument on) follows
	 * the arguments gathered so far. */
	while (i < argc)
		argv[npos++] = argv[i++];
	p->argc = npos;
	p->argv = argv;
	if (p->argc < c->min_args || (c->max_args >= 0 && p->argc > c->max_args)) {
		if (c->min_args == 1 && p->argc == 0)
			return cli_usage_error("%s: a container ID is required (usage: hull %s %s)", c->name, c->name, c->args);
		return cli_usage_error("%s%s: wrong number of arguments (usage: hull %s%s%s%s)", F(c), c->name, F(c),
				       c->name, c->args[0] ? " " : "", c->args);
	}
	return 0;
}

void cli_print_help(const struct cmd *c, const char *prefix)
{
	printf("Usage: hull [global options] %s%s [options]%s%s\n\n%s\n", prefix, c->name, c->args[0] ? " " : "",
	       c->args, c->summary);
	printf("\nOptions:\n");
	for (int j = 0; c->flags && c->flags[j].name; j++) {
		const struct flag *f = &c->flags[j];
		char left[96], meta[48] = "";
		if (f->arg)
			snprintf(meta, sizeof meta, " %s", f->meta ? f->meta : "VALUE");
		if (f->short_name)
			snprintf(left, sizeof left, "-%c, --%s%s", f->short_name, f->name, meta);
		else
			snprintf(left, sizeof left, "    --%s%s", f->name, meta);
		printf("  %-28s %s\n", left, f->help);
	}
	printf("  %-28s %s\n", "-h, --help", "show this help");
}

int cli_fail(const struct hull_err *e)
{
	hlog(LOG_ERROR, "%s", e->msg);
	return 1;
}


int cli_family_main(struct global *g, const char *family, const struct cmd *cmds, size_t n, const char *about,
		    int argc, char **argv)
{
	char prefix[32];
	snprintf(prefix, sizeof prefix, "%s ", family);
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help")) {
		const char *topic = argc >= 2 && !strcmp(argv[0], "help") ? argv[1] : NULL;
		for (size_t i = 0; topic && i < n; i++)
			if (!strcmp(topic, cmds[i].name)) {
				cli_print_help(&cmds[i], prefix);
				return 0;
			}
		printf("Usage: hull [global options] %s <command> [options] [arguments]\n\n%s\n\nCommands:\n", family,
		       about);
		for (size_t i = 0; i < n; i++)
			printf("  %-8s %s\n", cmds[i].name, cmds[i].summary);
		return argc < 1 ? 1 : 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cmd *c = &cmds[i];
		if (strcmp(argv[0], c->name))
			continue;
		struct parsed p;
		bool help = false;
		if (cli_parse_flags(c, argc - 1, argv + 1, &p, &help))
			return 1;
		if (help) {
			cli_print_help(c, prefix);
			return 0;
		}
		return c->run(g, &p);
	}
	return cli_usage_error("%s: unknown command \"%s\" (see hull %s --help)", family, argv[0], family);
}
