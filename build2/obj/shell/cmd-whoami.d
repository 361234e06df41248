build2/obj/shell/cmd-whoami.o: shell/cmd-whoami.c grader/bundle.h \
 grader/course.h grader/store.h shell/cmd.h grader/check.h labvm/modrun.h \
 labvm/vm.h labvm/lab.h common/util.h labvm/proto.h common/run.h \
 common/util.h grader/course.h grader/store.h
grader/bundle.h:
grader/course.h:
grader/store.h:
shell/cmd.h:
grader/check.h:
labvm/modrun.h:
labvm/vm.h:
labvm/lab.h:
common/util.h:
labvm/proto.h:
common/run.h:
common/util.h:
grader/course.h:
grader/store.h:
