/* SPDX-License-Identifier: Apache-2.0 */
/* hull as a CNI plugin (runtime/cni.c). */
#ifndef HULL_RUNTIME_CNI_H
#define HULL_RUNTIME_CNI_H

#include <stdbool.h>
#include <stddef.h>

/* Whether hull was run as a CNI plugin: CNI_COMMAND set, no argument. */
bool cni_invoked(int argc);
/* Do what CNI_COMMAND says; the exit status. */
int cni_main(void);
/* Parse and check a network configuration as ADD would (tests/fuzz): 0,
 * or -1 with msg (one line) saying why not. */
int cni_conf_check(const char *text, char *msg, size_t cap);

#endif
