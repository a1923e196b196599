/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/unit.h: a minimal TAP producer for hull's unit tests.
 *
 *     UNIT_GROUP("full config");
 *     CHECK(s->process != NULL);
 *     CHECK_STR(s->hostname, "box");
 *     CHECK_INT(s->process->user.uid, 1000);
 *     return unit_done();        // prints the plan "1..N"; non-zero if any failed
 *
 * Each check prints "ok N - <group>: <expression>" or "not ok N - ..." followed
 * by a "# file:line: ..." diagnostic with the values seen.  Checks evaluate to
 * whether they passed, so a test can stop early: if (!CHECK(p)) return;
 */
#ifndef HULL_UNIT_H
#define HULL_UNIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int unit_count, unit_failed;
static const char *unit_group = "";

static inline void UNIT_GROUP(const char *name)
{
	unit_group = name;
}

static inline bool unit_report(bool ok, const char *file, int line, const char *expr)
{
	unit_count++;
	printf("%sok %d - %s: %s\n", ok ? "" : "not ", unit_count, unit_group, expr);
	if (!ok) {
		unit_failed++;
		printf("#   %s:%d: failed: %s\n", file, line, expr);
	}
	fflush(stdout);
	return ok;
}

static inline bool unit_str(const char *got, const char *want, const char *file, int line,
			    const char *expr)
{
	bool ok = got && want ? !strcmp(got, want) : got == want;

	if (!unit_report(ok, file, line, expr))
		printf("#   got:  %s%s%s\n#   want: %s%s%s\n", got ? "\"" : "", got ? got : "NULL",
		       got ? "\"" : "", want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
	return ok;
}

static inline bool unit_int(intmax_t got, intmax_t want, const char *file, int line,
			    const char *expr)
{
	if (unit_report(got == want, file, line, expr))
		return true;
	printf("#   got:  %jd\n#   want: %jd\n", got, want);
	return false;
}

static inline bool unit_uint(uintmax_t got, uintmax_t want, const char *file, int line,
			     const char *expr)
{
	if (unit_report(got == want, file, line, expr))
		return true;
	printf("#   got:  %ju\n#   want: %ju\n", got, want);
	return false;
}

static inline int unit_done(void)
{
	printf("1..%d\n", unit_count);
	if (unit_failed)
		printf("# %d of %d checks failed\n", unit_failed, unit_count);
	return unit_failed ? 1 : 0;
}

#define CHECK(expr)            unit_report(!!(expr), __FILE__, __LINE__, #expr)
#define CHECK_STR(got, want)   unit_str((got), (want), __FILE__, __LINE__, #got " == " #want)
#define CHECK_INT(got, want)   unit_int((intmax_t)(got), (intmax_t)(want), __FILE__, __LINE__, \
					#got " == " #want)
#define CHECK_UINT(got, want)  unit_uint((uintmax_t)(got), (uintmax_t)(want), __FILE__, \
					 __LINE__, #got " == " #want)

#endif
