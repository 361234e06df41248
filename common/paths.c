#include "paths.h"

#include <stdlib.h>
#include <string.h>
#include "util.h"

#ifndef KMEMLAB_DATADIR
#define KMEMLAB_DATADIR "."
#endif
#ifndef KMEMLAB_PREBUILT_DIR
#define KMEMLAB_PREBUILT_DIR "build/prebuilt"
#endif
#ifndef KMEMLAB_AGENT_PATH
#define KMEMLAB_AGENT_PATH "build/kmemlab-agent"
#endif

struct paths paths;

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *xdg(const char *var, const char *fallback)
{
	const char *v = env(var);
	const char *home = env("HOME");

	if (v)
		return path_join(v, "kmemlab");
	return xasprintf("%s/%s/kmemlab", home ? home : "/root", fallback);
}

void paths_init(const char *home_flag, const char *db_flag)
{
	const char *given = home_flag ? home_flag : env("KMEMLAB_HOME");
	char *home = given ? path_make_absolute(given) : NULL;

	if (home) {
		paths.home = xstrdup(home);
		paths.base = xstrdup(home);
		paths.db = path_join(home, "kmemlab.db");
		paths.workspace = path_join(home, "workspace");
		paths.history = path_join(home, "history");
		paths.last_dmesg = path_join(home, "last-dmesg.log");
		paths.cache = path_join(home, "cache");
	} else {
		char *data = xdg("XDG_DATA_HOME", ".local/share");
		char *state = xdg("XDG_STATE_HOME", ".local/state");

		paths.base = xstrdup(data);
		paths.db = path_join(data, "kmemlab.db");
		paths.workspace = path_join(data, "workspace");
		paths.history = path_join(state, "history");
		paths.last_dmesg = path_join(state, "last-dmesg.log");
		paths.cache = xdg("XDG_CACHE_HOME", ".cache");
		free(data);
		free(state);
	}
	if (db_flag || env("KMEMLAB_DB")) {
		paths.db_given = 1;
		free(paths.db);
		paths.db = path_make_absolute(db_flag ? db_flag : env("KMEMLAB_DB"));
	}
	if (env("KMEMLAB_CACHE")) {
		free(paths.cache);
		paths.cache = path_make_absolute(env("KMEMLAB_CACHE"));
	}
	paths.data = path_make_absolute(env("KMEMLAB_DATA") ? env("KMEMLAB_DATA")
							    : KMEMLAB_DATADIR);
	paths.course = path_make_absolute(env("KMEMLAB_COURSE") ? env("KMEMLAB_COURSE")
								: paths.data);
	paths.prebuilt = path_make_absolute(env("KMEMLAB_PREBUILT") ? env("KMEMLAB_PREBUILT")
								    : KMEMLAB_PREBUILT_DIR);
	paths.agent = path_make_absolute(env("KMEMLAB_AGENT") ? env("KMEMLAB_AGENT")
							      : KMEMLAB_AGENT_PATH);
	free(home);
}

void paths_use_course(const char *id)
{
	char *course = realpath(paths.course, NULL), *data = realpath(paths.data, NULL);
	int shipped = course && data ? !strcmp(course, data) : !strcmp(paths.course, paths.data);
	char *dir = shipped ? xstrdup(paths.base) : xasprintf("%s/courses/%s", paths.base, id);

	free(course);
	free(data);
	free(paths.workspace);
	paths.workspace = path_join(dir, "workspace");
	if (!paths.db_given) {
		free(paths.db);
		paths.db = path_join(dir, "kmemlab.db");
	}
	free(dir);
}
