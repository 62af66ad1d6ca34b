/*
 * merge: the input of a tool that reads one record stream, from its file
 * operands. None, or "-": standard input. One: that file. More: their
 * union by batch time (lib/union), read as one stream: batch T is passed
 * on once every input has ended it, with each input's records in the order
 * the inputs were given and one #end T (n= the sum, made= the latest). So
 * the partial results of N pipelines (stream-split --partitions, consumer
 * group members) are merged by the tools that made them: counts and sums
 * add, top N of the union of top Ns. A thread reads the inputs and writes
 * the merged stream into a pipe the tool reads as its input; an input that
 * breaks, or records of other fields, stop the tool with a message.
 */
#ifndef SK_MERGE_H
#define SK_MERGE_H

/* The file descriptor to read; *src names the input for messages (NULL:
 * standard input). Dies naming a file that cannot be opened. */
int	merge_open(int argc, char *const argv[], const char **src);

#endif
