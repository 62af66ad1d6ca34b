/*
 * fsx: durable file-system steps: write all, fsync a directory, replace a
 * directory atomically, remove a tree. Each returns 0, or -1 with errno set,
 * and leaves the message (with the path) to the caller.
 */
#ifndef SK_FSX_H
#define SK_FSX_H

#include <stddef.h>

int	fsx_write_all(int fd, const void *, size_t);
/* Reads exactly n bytes; -1 (EIO) if the file ends first. */
int	fsx_read_all(int fd, void *, size_t);
/* Creates path with the bytes, fsyncs it if sync and closes it. */
int	fsx_write_file(const char *path, const void *, size_t, int sync);
/* Creates path for writing, anew: an old file or link there is removed
 * first, and a link made in between is not followed. A descriptor, or -1. */
int	fsx_create_excl(const char *path);
/* Writes path atomically: the bytes to tmp (made anew), fsync, rename,
 * fsync of the directory. */
int	fsx_write_atomic(const char *path, const char *tmp, const void *, size_t);
int	fsx_fsync_dir(const char *dir);
/* Puts directory from at to: renamed, or atomically exchanged with an
 * existing to, whose old tree is then removed once the exchange is synced. */
int	fsx_replace_dir(const char *from, const char *to);
int	fsx_rmtree(const char *path);
/* Creates dir and its missing parents (mkdir -p); with sync, each made
 * durable by a sync of the directory it was made in. */
int	fsx_mkdirs(const char *dir, int sync);
/* The directory part of path, in buf. */
char	*fsx_dirname(const char *path, char *buf, size_t cap);

#endif
