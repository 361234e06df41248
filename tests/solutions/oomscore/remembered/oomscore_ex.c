/*
 * Wrong on purpose: prints the output of an earlier run, word for word,
 * and never looks at /proc.  Fails on the nonce, the pids and the scores.
 */
#include <stdio.h>

int main(void)
{
	puts("oomscore_ex nonce=a1a486871df21993 totalpages=55942\n"
	     "proc pid=1 rss=410 pte=10 swap=0 adj=0 score=0 predicted=0 comm=init\n"
	     "proc pid=2 rss=0 pte=0 swap=0 adj=0 score=0 predicted=0 comm=kthreadd\n"
	     "proc pid=81 rss=5758 pte=21 swap=0 adj=-1000 score=0 predicted=0 comm=oomhog\n"
	     "proc pid=82 rss=5230 pte=19 swap=0 adj=113 score=802 predicted=802 comm=oomhog\n"
	     "proc pid=83 rss=1666 pte=13 swap=0 adj=-102 score=620 predicted=620 comm=oomhog\n"
	     "proc pid=84 rss=940 pte=11 swap=0 adj=-256 score=510 predicted=510 comm=oomhog\n"
	     "set pid=82 adj=240 errno=0\n"
	     "set pid=82 adj=3081 errno=22\n"
	     "after pid=82 adj=240 score=886 predicted=886");
	return 0;
}
