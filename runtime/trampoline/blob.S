/* SPDX-License-Identifier: Apache-2.0 */
/* The exec trampoline (trampoline.c), built static and embedded in hull. */
	.section .rodata
	.balign 16
	.globl hull_trampoline
	.globl hull_trampoline_end
hull_trampoline:
	.incbin TRAMPOLINE_BIN
hull_trampoline_end:
	.section .note.GNU-stack,"",@progbits
