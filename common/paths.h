/*
 * Where kmemlab keeps things.  Flags win over the environment, which wins
 * over the defaults:
 *
 *   KMEMLAB_HOME=DIR  puts all of a learner's state under DIR: DIR/kmemlab.db,
 *                     DIR/workspace, DIR/history, DIR/last-dmesg.log, DIR/cache.
 *   otherwise         $XDG_DATA_HOME/kmemlab/{kmemlab.db,workspace},
 *                     $XDG_STATE_HOME/kmemlab/{history,last-dmesg.log},
 *                     $XDG_CACHE_HOME/kmemlab.
 *   KMEMLAB_DB, KMEMLAB_CACHE  override just the database or the cache.
 *   KMEMLAB_DATA      the lessons/ and modules/ tree (default: compiled in).
 *   KMEMLAB_COURSE    the course pack to teach (or --course DIR): a folder laid
 *                     out as the data tree is, lessons/ and the exercises'
 *                     files (default: the data tree's own course).
 *   KMEMLAB_AGENT     the statically linked guest agent (default: compiled in).
 *   KMEMLAB_PREBUILT  what `make` built ahead for the lab kernel (the grader's
 *                     probe, its guest programs, the initramfs), laid out as
 *                     the cache is and read when the cache lacks something
 *                     (default: compiled in, build/prebuilt or
 *                     PREFIX/lib/kmemlab/prebuilt).
 */
#ifndef KMEMLAB_PATHS_H
#define KMEMLAB_PATHS_H

struct paths {
	char *home;	/* NULL unless KMEMLAB_HOME or --home */
	char *base;	/* where the learner's database and workspace are kept */
	int db_given;	/* --db or KMEMLAB_DB: the database is that file, whatever the course */
	char *db;
	char *workspace;
	char *history;
	char *last_dmesg;	/* the kernel log of the last check or lab run */
	char *cache;
	char *data;
	char *course;	/* the course pack's folder */
	char *agent;
	char *prebuilt;
};

extern struct paths paths;

/* Fill the global paths; home and db may come from flags (NULL if not). */
void paths_init(const char *home_flag, const char *db_flag);

/*
 * Keep the learner's work of the course in paths.course, whose id is id,
 * apart: the shipped course's (the one in paths.data) database and
 * workspace are BASE/kmemlab.db and BASE/workspace, any other folder's
 * BASE/courses/ID/kmemlab.db and BASE/courses/ID/workspace (a database
 * given with --db or KMEMLAB_DB stays that file).
 */
void paths_use_course(const char *id);

#endif
