/* SPDX-License-Identifier: Apache-2.0 */
/* contrib/seccomp/default.json embedded in hull, for `hull spec --seccomp`. */
	.section .rodata
	.globl hull_default_seccomp
	.globl hull_default_seccomp_end
hull_default_seccomp:
	.incbin "contrib/seccomp/default.json"
hull_default_seccomp_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
