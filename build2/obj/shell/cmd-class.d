build2/obj/shell/cmd-class.o: shell/cmd-class.c grader/class.h \
 grader/course.h grader/store.h shell/cmd.h grader/check.h labvm/modrun.h \
 labvm/vm.h labvm/lab.h common/util.h labvm/proto.h common/run.h \
 common/util.h grader/course.h grader/store.h
grader/class.h:
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
