/*
 * A new kernel thread starts here (see kernel_thread): s0 = function,
 * s1 = its argument. When the function returns, the thread exits with
 * its return value.
 */
    .text
    .globl kernel_thread_entry
kernel_thread_entry:
    move    a0, s1
    jalr    s0
    jal     do_exit
