/*
 * Whether reading a stream could wait on its writer, and whether it would now. A bulk run
 * reads its input between turns of the transfer loop: reading a pipe whose writer is slow
 * would hold up the updates already read (nothing is sent while the read waits), so the run
 * reads such an input only while it has something to give, and otherwise waits for the input
 * and the network together.
 */
#ifndef CUSTAPI_INPUT_READY_H
#define CUSTAPI_INPUT_READY_H

#include <stdio.h>

/* The descriptor to wait on for more of `in` (a pipe, a terminal, a socket), or -1 where a
 * read never waits on a writer (a regular file) or can't be watched (a stream without a
 * descriptor, or a C library whose stream buffer can't be looked into): those are read as
 * they come. */
int custapi__input_wait_fd(FILE *in);

/* Whether `in`'s next byte can be had without waiting: it is in the stream's buffer, or its
 * descriptor is readable (data, or the end). A record its writer cut midway still waits for
 * its rest, as it must. */
int custapi__input_ready(FILE *in, int fd);

#endif
