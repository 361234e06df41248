#include <stdio.h>
#include <stdlib.h>

#include "bundle.h"
#include "cmd.h"
#include "lab.h"
#include "paths.h"

static int submit_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	struct lab_kernel k = { 0 };
	struct course *c;
	struct store *st;
	char *written = NULL, *login = NULL, *name = NULL;
	int set, r = CMD_ERROR;

	c = ctx_course(ctx);
	st = c ? ctx_store(ctx) : NULL;
	if (!st || store_identity(st, &login, &name, &set) < 0)
		goto out;
	{
		char *why;

		/* The instructor's import would refuse it: say so now. */
		if (!learner_id_valid(login, &why)) {
			error("your %s: choose one with 'whoami --id ID' and submit again", why);
			free(why);
			goto out;
		}
		if (!learner_name_valid(name, &why)) {
			error("your %s, which your instructor's 'class import' would refuse: set a "
			      "plain one with 'whoami --name NAME' and submit again", why);
			free(why);
			goto out;
		}
	}
	/* The bundle names the lab kernel the attempts were graded on. */
	if (lab_kernel_find(&k) < 0)
		goto out;
	if (bundle_write(st, c, paths.workspace, k.release, args_get(args, "out"), &written) < 0)
		goto out;
	printf("wrote %s for %s (%s)\n", written, login, name);
	{
		struct store_progress *rows;
		int n, attempts = 0, passed = 0;

		if (store_progress(st, &rows, &n) == 0) {
			for (int i = 0; i < n; i++) {
				attempts += rows[i].attempts;
				passed += rows[i].passed;
			}
			store_progress_free(rows, n);
			if (n)
				printf("it holds %d attempt%s at %d exercise%s (%d passed)\n", attempts,
				       attempts == 1 ? "" : "s", n, n == 1 ? "" : "s", passed);
			else
				printf("nothing is graded yet: the bundle holds only your files and "
				       "answers ('check' grades an exercise)\n");
		}
	}
	if (!set)
		printf("your id is your login name '%s': if your instructor gave you another, "
		       "'whoami --id ID' sets it, then submit again\n", login);
	r = CMD_OK;
out:
	lab_kernel_release(&k);
	free(written);
	free(login);
	free(name);
	return r;
}

const struct cmd_entry cmd_submit = {
	.name = "submit",
	.alias = NULL,
	.usage = "[--out FILE]",
	.summary = "pack your work into one file for your instructor",
	.help = "Writes one bundle (a .tar.gz) with your sources for every exercise you\n"
		"started, your graded attempts and your answers, and a manifest with\n"
		"each file's SHA-256 and the kmemlab and lab kernel versions.  Hand the\n"
		"file to your instructor, who imports it and regrades it in a clean VM.\n"
		"FILE defaults to kmemlab-ID-YYYYmmddTHHMMSSZ.tar.gz in the current\n"
		"directory; 'whoami' shows the id it carries.  A file whose name your\n"
		"instructor's import would refuse (not UTF-8, or with a tab or another\n"
		"control character) is named, and nothing is written.\n\n"
		"Examples:\n  submit\n  kmemlab submit --out ~/lab1.tar.gz",
	.complete = COMPLETE_NONE,
	.options = (const struct cmd_option[]){
		{ .name = "out", .takes_value = 1, .complete = COMPLETE_FILE },
		{ 0 },
	},
	.exec = submit_exec,
};
