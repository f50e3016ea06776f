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
int cmd_gpt_prompt(int argc, char **argv);    /* avrami gpt prompt */
int cmd_gpt_add_model(int argc, char **argv); /* avrami gpt add-model */
struct gpt_task_s;
/* the gpt subcommands' task reading: the task, with what the framework
 * accepts silently printed as warnings on stderr; 0 or 2 (error printed) */
int cmd_gpt_read_task(const char *path, int strict, struct gpt_task_s *t);
int cmd_sweep(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_security(int argc, char **argv);
int cmd_tokens(int argc, char **argv);

#endif
