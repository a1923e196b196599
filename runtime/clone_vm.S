/* SPDX-License-Identifier: Apache-2.0 */
/* clone3 for a child that shares hull's address space (CLONE_VM) and starts
 * on a stack of its own: the child cannot return from the syscall into
 * hull's frames (they live on the parent's stack), so it calls fn(arg) on
 * the new stack here and never comes back (fn ends in exec or _exit).
 *
 * long hull_clone3_vm(struct clone_args *args, size_t size,
 *                     void (*fn)(void *), void *arg);
 * Returns the child's pid in the parent, or -errno. */
#if defined(__x86_64__)
	.text
	.globl	hull_clone3_vm
	.type	hull_clone3_vm, @function
hull_clone3_vm:
	mov	%rdx, %r8		/* fn and arg survive the syscall in r8/r9 */
	mov	%rcx, %r9
	mov	$435, %eax		/* __NR_clone3 */
	syscall
	test	%rax, %rax
	jnz	1f
	/* child: rsp is the top of its own stack */
	xor	%ebp, %ebp
	and	$-16, %rsp
	mov	%r9, %rdi
	call	*%r8
	mov	$127, %edi		/* not reached: fn does not return */
	mov	$60, %eax		/* __NR_exit */
	syscall
	hlt
1:	ret
	.size	hull_clone3_vm, .-hull_clone3_vm
#endif
	.section .note.GNU-stack,"",@progbits
