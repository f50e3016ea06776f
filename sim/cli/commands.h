/* The avrami subcommands.  Each takes the arguments after its own name
 * (argv[0] is the command name) and returns the process exit status:
 * 0 success, 1 a failed check (mismatch, invariant), 2 bad input or usage. */
#ifndef AVRAMI_CLI_COMMANDS_H
#define AVRAMI_CLI_COMMANDS_H

int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_timing(int argc, char **argv);
int cmd_gpt(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_security(int argc, char **argv);
int cmd_tokens(int argc, char **argv);

#endif
