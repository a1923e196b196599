/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the files of cgroups/ only. */
#ifndef HULL_CGROUPS_INTERNAL_H
#define HULL_CGROUPS_INTERNAL_H

#include "cgroups/cgroups.h"

/* Whether controller list "cpu,cpuacct" names c. */
bool cg_has_ctrl(const char *list, const char *c);
/* Index of the v1 directory whose hierarchy has controller ctrl, or -1. */
int cg_v1_dir(const struct cgroup_set *cg, const char *ctrl);

#endif
