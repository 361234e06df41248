build2/obj/shell/cmd-next.o: shell/cmd-next.c shell/cmd.h grader/check.h \
 grader/course.h labvm/modrun.h labvm/vm.h labvm/lab.h common/util.h \
 labvm/proto.h common/run.h common/util.h grader/store.h grader/course.h \
 grader/store.h shell/tutor.h
shell/cmd.h:
grader/check.h:
grader/course.h:
labvm/modrun.h:
labvm/vm.h:
labvm/lab.h:
common/util.h:
labvm/proto.h:
common/run.h:
common/util.h:
grader/store.h:
grader/course.h:
grader/store.h:
shell/tutor.h:
