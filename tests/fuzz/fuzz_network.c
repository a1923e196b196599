/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the network parsers.  The first byte picks what
 * the rest goes to (modulo 3):
 *   0 netns_port_parse (-p)   1 netns_subnet_parse   2 cni_conf_check (a CNI
 *   network configuration, as the plugin's ADD reads it)
 * Besides crashes, leaks and sanitizer reports it aborts when a promise is
 * broken:
 *   - an error is one printable line;
 *   - an accepted -p has ports 1-65535, tcp or udp, and its text form
 *     parses back to the same port;
 *   - an accepted subnet has no host bits set and its text form parses
 *     back to the same subnet.
 * Built and run by `make fuzz` (tests/fuzz/run.sh); seeds in corpus/network. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns/netns.h"
#include "runtime/cni.h"

#define FAIL(...) (fprintf(stderr, "fuzz_network: " __VA_ARGS__), fputc('\n', stderr), abort())

static void one_line(const char *msg)
{
	if (!*msg)
		FAIL("empty error message");
	for (const char *p = msg; *p; p++)
		if (*p == '\n')
			FAIL("error message of more than one line: %s", msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	if (strlen(text) != size - 1) {
		/* NUL inside: as a C string reaches the parsers. */
	}
	struct hull_err e;
	switch (data[0] % 3) {
	case 0: {
		struct netns_port p, q;
		char t[128];
		if (netns_port_parse(text, &p, &e) < 0) {
			one_line(e.msg);
			break;
		}
		if (!p.host_port || !p.ctr_port || (p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP))
			FAIL("accepted a bad port: %s", text);
		if (netns_port_parse(netns_port_text(&p, t, sizeof t), &q, &e) < 0 || memcmp(&p, &q, sizeof p))
			FAIL("\"%s\" is \"%s\", which does not parse back to it", text, t);
		break;
	}
	case 1: {
		struct netns_subnet s, s2;
		char t[96];
		if (netns_subnet_parse(text, &s, &e) < 0) {
			one_line(e.msg);
			break;
		}
		if (netns_subnet_parse(netns_subnet_text(&s, t, sizeof t), &s2, &e) < 0 || s2.family != s.family ||
		    s2.prefix != s.prefix || memcmp(s2.net, s.net, 16))
			FAIL("\"%s\" is \"%s\", which does not parse back to it", text, t);
		if (!netns_subnet_overlap(&s, &s2))
			FAIL("%s does not overlap itself", t);
		break;
	}
	default: {
		char msg[512];
		if (cni_conf_check(text, msg, sizeof msg) < 0)
			one_line(msg);
		break;
	}
	}
	free(text);
	return 0;
}
