/*
 * fsx: durable file-system steps: write all, fsync a directory, replace a
 * directory atomically, remove a tree. Each returns 0, or -1 with errno set,
 * and leaves the message (with the path) to the caller.
 */
#ifndef SK_FSX_H
#define SK_FSX_H

#include <stddef.h>

int	fsx_write_all(int fd, const void *, size_t);
/* Creates path with the bytes, fsyncs it if sync and closes it. */
int	fsx_write_file(const char *path, const void *, size_t, int sync);
int	fsx_fsync_dir(const char *dir);
/* Puts directory from at to: renamed, or atomically exchanged with an
 * existing to, whose old tree is then removed. */
int	fsx_replace_dir(const char *from, const char *to);
int	fsx_rmtree(const char *path);
/* Creates dir and its missing parents (mkdir -p). */
int	fsx_mkdirs(const char *dir);
/* The directory part of path, in buf. */
char	*fsx_dirname(const char *path, char *buf, size_t cap);

#endif
