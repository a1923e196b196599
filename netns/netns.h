/* SPDX-License-Identifier: Apache-2.0 */
/* netns/: network wiring of a container's network namespace.
 *
 * linux.netDevices: existing interfaces of hull's network namespace moved
 * into the container's, over rtnetlink (runtime-spec config-linux.md,
 * "Network Devices"): renamed to their `name` when given, their permanent
 * global-scope addresses carried along, set up.  Nothing moves them back at
 * delete: when the namespace dies the kernel returns physical devices to
 * the host's initial namespace and destroys virtual ones. */
#ifndef HULL_NETNS_H
#define HULL_NETNS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/util.h"
#include "spec/spec.h"

/* Why name cannot be an interface name (NULL: it can): empty, 16 bytes or
 * more, "." or "..", or holding '/', ':' or whitespace; '%' only as one
 * "%d" template, and only where template is true (a name inside the
 * container, numbered by the kernel). */
const char *netns_name_invalid(const char *name, bool template);

/* Check linux.netDevices before anything exists: every name valid, no two
 * interfaces given the same name inside, each host interface present in
 * hull's network namespace.  Errors start with where (e.g. "config.json: ")
 * and name the interface. */
int netns_devices_check(const struct spec_net_device *d, size_t n, const char *where, struct hull_err *e);

/* What netns_devices_move moved, to move it back if create fails. */
struct netns_moved;

/* Move d[0..n) from hull's network namespace into the one of nsfd, in
 * order: each renamed, its permanent global-scope addresses re-added there,
 * set up.  First checks that no name is taken there.  On failure the ones
 * already moved are moved back (best effort) and *out is NULL; on success
 * *out says what moved (NULL when n is 0).  Errors name the interface. */
int netns_devices_move(const struct spec_net_device *d, size_t n, int nsfd, struct netns_moved **out,
		       const char *where, struct hull_err *e);

/* Move back what netns_devices_move moved (create failed after it), as it
 * was on the host (name, addresses, up or down), then free m.  Goes on past
 * a failure; e tells the first.  NULL: nothing. */
int netns_devices_return(struct netns_moved *m, struct hull_err *e);

/* Forget m (the container keeps the interfaces). */
void netns_moved_free(struct netns_moved *m);

/* One interface: move the interface named name in hull's network namespace
 * into the one of nsfd, renamed to new_name (NULL: same name), its
 * permanent global-scope addresses re-added and set up there. */
int netns_link_move(const char *name, const char *new_name, int nsfd, struct hull_err *e);

#endif
