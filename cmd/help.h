/* Help texts in runc's layout (NAME, USAGE, DESCRIPTION, OPTIONS). */
#ifndef CAPSULE_CMD_HELP_H
#define CAPSULE_CMD_HELP_H

#include <stdbool.h>
#include <stdio.h>

/* The program's help: commands and global options. */
void help_program(FILE *f, const char *version);
/* One command's help (a bare NAME/USAGE for a command without an entry). */
int help_command(FILE *f, const char *name);
/* Whether argv (argv[0] the command) asks for help: -h/--help among the
 * options before the first argument, as runc's flag parsing sees it. */
bool help_wanted(const char *name, int argc, char **argv);

#endif
