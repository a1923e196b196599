/* SPDX-License-Identifier: Apache-2.0 */
/* The image helper (overlay/tool.c), built dynamically linked and embedded
 * in hull: runtime/image.c starts it from a memfd for image pull, import
 * and export. */
	.section .rodata
	.balign 16
	.globl hull_imagetool
	.globl hull_imagetool_end
hull_imagetool:
	.incbin IMAGETOOL_BIN
hull_imagetool_end:
	.section .note.GNU-stack,"",@progbits
